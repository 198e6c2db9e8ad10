/**
 * Reads back what TikTok counted (DESIGN.md §3 item 4): the purchase counts of a store's pixel,
 * one UTC day per stats request (TikTok aggregates over the range), into `tiktok_daily_counts`.
 * A day that cannot be read is reported and the others still are; reading a day again replaces it,
 * so the 6-hourly job keeps the last week fresh while TikTok's numbers settle.
 */
import type { Db } from '@/db/client';
import type { Store } from '@/db/queries/stores';
import { cacheStorePixelId, upsertTikTokDailyCount } from '@/db/queries/tiktok-counts';
import { AppError } from '@/lib/http/errors';
import { getStoreSecret } from '@/lib/stores';
import { createTikTokClient, isRequestLevelRefusal, TikTokApiError, type RetryPolicy, type TikTokClient } from './client';

const DAY_MS = 86_400_000;
const UTC_DAY = /^\d{4}-\d{2}-\d{2}$/;
/** One stats request per day: a longer window is more likely a typo than a backfill. */
export const MAX_SYNC_DAYS = 366;

export interface TikTokCountsSyncOptions {
  /** First UTC day, `YYYY-MM-DD`. */
  from: string;
  /** Last UTC day, `YYYY-MM-DD`, inclusive; not after today (UTC). */
  to: string;
  /** e.g. `https://business-api.tiktok.com`, or the fake's URL. */
  baseUrl: string;
  fetch?: typeof fetch;
  /** The clock: decides "today" and is recorded as `fetched_at`. Default: the current time. */
  now?: Date;
  onProgress?: (event: TikTokCountsSyncProgress) => void;
  /** Retries of transient TikTok failures (throttling, 5xx) per request; default 5 tries with backoff. */
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

export interface TikTokCountsSyncProgress {
  day: string;
  ok: boolean;
  /** Days attempted so far, and in all. */
  done: number;
  total: number;
  fetched: number;
  failed: number;
}

export interface TikTokCountsSyncSummary {
  store: string;
  from: string;
  to: string;
  /** Days in the window. */
  days: number;
  /** Days read and stored. */
  fetched: number;
  failedDays: { day: string; reason: string }[];
}

export interface TikTokSyncSettings {
  accessToken: string;
  advertiserId: string;
  pixelCode: string;
}

/** What a store lacks to read TikTok's counts, each with the command that fixes it (empty when ready). */
export interface MissingTikTokSetting {
  setting: 'pixel_code' | 'advertiser_id' | 'tiktok_marketing_token';
  fix: string;
}

export async function readTikTokSyncSettings(
  db: Db,
  store: Store,
): Promise<{ settings: TikTokSyncSettings; missing: [] } | { settings: undefined; missing: MissingTikTokSetting[] }> {
  const accessToken = await getStoreSecret(db, store.id, 'tiktok_marketing_token');
  const missing: MissingTikTokSetting[] = [];
  if (!store.pixelCode) {
    missing.push({ setting: 'pixel_code', fix: `signalwatch store set ${store.id} pixel_code=CODE` });
  }
  if (!store.advertiserId) {
    missing.push({ setting: 'advertiser_id', fix: `signalwatch store set ${store.id} advertiser_id=ID` });
  }
  if (!accessToken) {
    missing.push({
      setting: 'tiktok_marketing_token',
      fix: `printf %s "$TOKEN" | signalwatch store secret ${store.id} tiktok_marketing_token`,
    });
  }
  if (missing.length || !accessToken || !store.pixelCode || !store.advertiserId) return { settings: undefined, missing };
  return { settings: { accessToken, advertiserId: store.advertiserId, pixelCode: store.pixelCode }, missing: [] };
}

export function notConfiguredError(storeId: string, missing: readonly MissingTikTokSetting[]): AppError {
  const label = { pixel_code: 'no pixel code', advertiser_id: 'no advertiser id', tiktok_marketing_token: 'no tiktok_marketing_token' };
  return new AppError(
    'not_configured',
    `store ${storeId} cannot read TikTok's counts: ` +
      missing.map((m) => `${label[m.setting]} (set it with \`${m.fix}\`)`).join('; '),
    400,
    { missing: missing.map((m) => m.setting) },
  );
}

export async function syncTikTokCounts(db: Db, store: Store, opts: TikTokCountsSyncOptions): Promise<TikTokCountsSyncSummary> {
  const now = opts.now ?? new Date();
  const days = windowDays(opts.from, opts.to, now);
  const { settings, missing } = await readTikTokSyncSettings(db, store);
  if (!settings) throw notConfiguredError(store.id, missing);

  const client = createTikTokClient({ baseUrl: opts.baseUrl, fetch: opts.fetch, retry: opts.retry, sleep: opts.sleep });
  const pixelId = await resolvePixelId(db, store, settings, client);

  const summary: TikTokCountsSyncSummary = {
    store: store.id,
    from: opts.from,
    to: opts.to,
    days: days.length,
    fetched: 0,
    failedDays: [],
  };
  for (const [index, day] of days.entries()) {
    let ok = true;
    try {
      const [stats] = await client.getPurchaseStats({
        accessToken: settings.accessToken,
        advertiserId: settings.advertiserId,
        pixelIds: [pixelId],
        day,
      });
      if (!stats) throw new Error('TikTok answered without the pixel');
      await upsertTikTokDailyCount(db, {
        storeId: store.id,
        day,
        total: stats.total,
        browser: stats.browser,
        server: stats.server,
        attributed: stats.attributed,
        eventType: stats.eventType,
        fetchedAt: opts.now ?? new Date(),
      });
      summary.fetched++;
    } catch (error) {
      ok = false;
      summary.failedDays.push({ day, reason: describeFailure(error) });
    }
    opts.onProgress?.({
      day,
      ok,
      done: index + 1,
      total: days.length,
      fetched: summary.fetched,
      failed: summary.failedDays.length,
    });
  }
  return summary;
}

/** The numeric pixel id behind the store's pixel code, from the cache or `/pixel/list/` (then cached). */
async function resolvePixelId(db: Db, store: Store, settings: TikTokSyncSettings, client: TikTokClient): Promise<string> {
  if (store.pixelId) return store.pixelId;
  let pixels;
  try {
    pixels = await client.listPixels({
      accessToken: settings.accessToken,
      advertiserId: settings.advertiserId,
      code: settings.pixelCode,
    });
  } catch (error) {
    if (!(error instanceof TikTokApiError)) throw error;
    const hint =
      error.code !== null && isRequestLevelRefusal(error.code)
        ? `; check the store's tiktok_marketing_token and advertiser_id (\`signalwatch store set ${store.id} advertiser_id=ID\`)`
        : '';
    throw new AppError(
      'tiktok_error',
      `store ${store.id}: TikTok did not look up pixel ${settings.pixelCode} of advertiser ${settings.advertiserId}: ${error.message}${hint}`,
      502,
    );
  }
  const pixel = pixels.find((p) => p.pixelCode === settings.pixelCode);
  if (!pixel) {
    throw new AppError(
      'not_found',
      `store ${store.id}: advertiser ${settings.advertiserId} has no pixel with code ${settings.pixelCode} ` +
        `(fix with \`signalwatch store set ${store.id} pixel_code=CODE advertiser_id=ID\`)`,
    );
  }
  await cacheStorePixelId(db, store.id, settings.pixelCode, pixel.pixelId);
  return pixel.pixelId;
}

/** The UTC days from `from` to `to`, both inclusive, validated; bad input changes nothing. */
export function windowDays(from: string, to: string, now: Date): string[] {
  const start = dayStartMs(from);
  const end = dayStartMs(to);
  if (start === null) throw new AppError('validation_failed', `from must be a UTC date YYYY-MM-DD (got ${JSON.stringify(from)})`);
  if (end === null) throw new AppError('validation_failed', `to must be a UTC date YYYY-MM-DD (got ${JSON.stringify(to)})`);
  if (start > end) throw new AppError('validation_failed', `from (${from}) is after to (${to})`);
  const today = utcDay(now);
  if (to > today) throw new AppError('validation_failed', `to (${to}) is after today's UTC date (${today}): TikTok has no counts for it yet`);
  const count = (end - start) / DAY_MS + 1;
  if (count > MAX_SYNC_DAYS) {
    throw new AppError('validation_failed', `${count} days requested; at most ${MAX_SYNC_DAYS} per sync (one request per day)`);
  }
  return Array.from({ length: count }, (_, i) => utcDay(new Date(start + i * DAY_MS)));
}

export const utcDay = (date: Date) => date.toISOString().slice(0, 10);

function dayStartMs(value: string): number | null {
  if (!UTC_DAY.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) || utcDay(new Date(ms)) !== value ? null : ms;
}

function describeFailure(error: unknown): string {
  if (error instanceof TikTokApiError) {
    return error.kind === 'transient' ? `${error.message} (gave up after retries)` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
