/**
 * Pulls orders from a store's platform into the truth set: a window of whole UTC days, or
 * incrementally since the last run. What could not be fetched is reported and remembered, and
 * the next run fetches it again, so a throttled or failing platform never means missing orders.
 */
import type { Db } from '@/db/client';
import type { Store } from '@/db/queries/stores';
import { pendingAttributionDays } from '@/db/queries/orders';
import { getCursor, setCursor } from '@/db/queries/sync-cursors';
import { AppError } from '@/lib/http/errors';
import { effectiveBaseUrl, getStoreSecret } from '@/lib/stores';
import { createShopifyClient } from './shopify';
import { createWooCommerceClient } from './woocommerce';
import { ingestOrders } from './ingest';
import type { OrderInput } from './types';

const DAY_MS = 86_400_000;
const UPDATED_CURSOR = 'orders_updated_since';
const RETRY_DAYS_CURSOR = 'orders_retry_days';
/** A first incremental run reads this far back. */
const FIRST_SYNC_DAYS = 7;

export interface OrderSyncSummary {
  store: string;
  mode: 'window' | 'incremental';
  from: string | null;
  to: string | null;
  fetched: number;
  new: number;
  updated: number;
  unchanged: number;
  /** Orders deliberately not stored, by reason (e.g. WooCommerce `pending` status). */
  skipped: Record<string, number>;
  /** What could not be fetched; the next sync tries again. */
  incomplete: { scope: string; reason: string }[];
  warnings: string[];
}

export type SyncProgress = (event: { scope: string; fetched: number; done: number; total: number }) => void;

const day = (d: Date) => d.toISOString().slice(0, 10);
const dayStart = (s: string) => new Date(`${s}T00:00:00Z`);

export async function syncStoreOrders(
  db: Db,
  store: Store,
  opts: { from?: Date; to?: Date; now?: Date; onProgress?: SyncProgress; fetch?: typeof fetch; retry?: RetryOptions } = {},
): Promise<OrderSyncSummary> {
  const now = opts.now ?? new Date();
  const summary: OrderSyncSummary = {
    store: store.id,
    mode: opts.from ? 'window' : 'incremental',
    from: opts.from ? day(opts.from) : null,
    to: opts.to ? day(new Date(opts.to.getTime() - 1)) : null,
    fetched: 0,
    new: 0,
    updated: 0,
    unchanged: 0,
    skipped: {},
    incomplete: [],
    warnings: [],
  };
  const source = await platformSource(db, store, { fetch: opts.fetch, now: () => now, ...opts.retry });

  const ingest = async (orders: OrderInput[]) => {
    summary.fetched += orders.length;
    const r = await ingestOrders(db, store, orders, source.sourceName);
    summary.new += r.inserted;
    summary.updated += r.updated;
    summary.unchanged += r.unchanged;
  };

  // Days a previous run could not finish, and days with attribution still pending, are re-read.
  const retryDays = new Set<string>(JSON.parse((await getCursor(db, store.id, RETRY_DAYS_CURSOR)) ?? '[]') as string[]);
  for (const d of await pendingAttributionDays(db, store.id)) retryDays.add(d);
  const windowDays = new Set<string>();
  if (opts.from && opts.to) for (let t = opts.from.getTime(); t < opts.to.getTime(); t += DAY_MS) windowDays.add(day(new Date(t)));
  const days = [...new Set([...windowDays, ...retryDays])].sort();

  const failedDays: string[] = [];
  let done = 0;
  for (const d of days) {
    const result = await source.fetchDay(dayStart(d));
    await ingest(result.orders);
    summary.warnings.push(...result.warnings);
    for (const [k, v] of Object.entries(result.skipped)) summary.skipped[k] = (summary.skipped[k] ?? 0) + v;
    if (!result.complete) {
      failedDays.push(d);
      summary.incomplete.push({ scope: d, reason: result.failure ?? 'incomplete' });
    }
    opts.onProgress?.({ scope: d, fetched: summary.fetched, done: ++done, total: days.length + (opts.from ? 0 : 1) });
  }

  if (!opts.from) {
    const cursor = await getCursor(db, store.id, UPDATED_CURSOR);
    const since = cursor ? new Date(cursor) : new Date(now.getTime() - FIRST_SYNC_DAYS * DAY_MS);
    const result = await source.fetchUpdatedSince(since);
    await ingest(result.orders);
    summary.warnings.push(...result.warnings);
    for (const [k, v] of Object.entries(result.skipped)) summary.skipped[k] = (summary.skipped[k] ?? 0) + v;
    if (result.complete) await setCursor(db, store.id, UPDATED_CURSOR, result.highWaterMark.toISOString());
    else summary.incomplete.push({ scope: `updated since ${since.toISOString()}`, reason: result.failure ?? 'incomplete' });
    // Orders that could not be read are not imported: their days are read again as whole days next time.
    for (const d of result.unreadableDays) {
      if (failedDays.includes(d)) continue;
      failedDays.push(d);
      summary.incomplete.push({ scope: d, reason: 'an order of this day could not be read; the day is read again on the next sync' });
    }
    summary.from = day(since);
    summary.to = day(now);
    opts.onProgress?.({ scope: 'incremental', fetched: summary.fetched, done: ++done, total: done });
  }
  await setCursor(db, store.id, RETRY_DAYS_CURSOR, JSON.stringify(failedDays.sort()));
  summary.warnings = [...new Set(summary.warnings)];
  return summary;
}

interface Fetched {
  orders: OrderInput[];
  complete: boolean;
  failure: string | null;
  warnings: string[];
  skipped: Record<string, number>;
}

interface PlatformSource {
  sourceName: 'shopify_pull' | 'woocommerce';
  fetchDay(start: Date): Promise<Fetched>;
  fetchUpdatedSince(since: Date): Promise<Fetched & { highWaterMark: Date; unreadableDays: string[] }>;
}

async function requireSecret(db: Db, store: Store, name: Parameters<typeof getStoreSecret>[2]) {
  const value = await getStoreSecret(db, store.id, name);
  if (!value) throw new AppError('bad_request', `store ${store.id} has no ${name}; set it with \`signalwatch store secret ${store.id} ${name}\``);
  return value;
}

interface RetryOptions {
  maxAttempts?: number;
  retryBaseMs?: number;
}

async function platformSource(
  db: Db,
  store: Store,
  clientOptions: RetryOptions & { fetch?: typeof fetch; now: () => Date },
): Promise<PlatformSource> {
  const baseUrl = effectiveBaseUrl(store);
  if (store.platform === 'custom' || !baseUrl) {
    throw new AppError('bad_request', `store ${store.id} is a ${store.platform} store without a platform API: send orders with POST /api/v1/orders or \`signalwatch import orders\``);
  }
  if (store.platform === 'shopify') {
    const client = createShopifyClient({ baseUrl, accessToken: await requireSecret(db, store, 'shopify_access_token'), ...clientOptions });
    return {
      sourceName: 'shopify_pull',
      async fetchDay(start) {
        const r = await client.fetchOrdersInWindow({ from: start, to: new Date(start.getTime() + DAY_MS) }).collect();
        return { orders: r.orders, complete: r.failedDays.length === 0, failure: r.failedDays.map((f) => f.reason).join('; ') || null, warnings: r.warnings, skipped: {} };
      },
      async fetchUpdatedSince(since) {
        return { ...(await client.fetchOrdersUpdatedSince(since)), skipped: {} };
      },
    };
  }
  const client = createWooCommerceClient({
    baseUrl,
    consumerKey: await requireSecret(db, store, 'woocommerce_key'),
    consumerSecret: await requireSecret(db, store, 'woocommerce_secret'),
    ...clientOptions,
  });
  return {
    sourceName: 'woocommerce',
    async fetchDay(start) {
      const r = await client.fetchOrdersInWindow({ from: start, to: new Date(start.getTime() + DAY_MS) });
      return { ...r, skipped: prefixed(r.skippedByStatus) };
    },
    async fetchUpdatedSince(since) {
      const r = await client.fetchOrdersModifiedSince(since);
      return { ...r, skipped: prefixed(r.skippedByStatus) };
    },
  };
}

const prefixed = (byStatus: Record<string, number>) =>
  Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [`status_${k}`, v]));
