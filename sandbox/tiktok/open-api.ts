import { TIKTOK_CODE } from '@/lib/tiktok/codes';
import type { EventLedger } from './ledger';
import type { PixelRegistry, RegisteredPixel } from './registry';
import { invalidParameter, readTrackEnvelope, TikTokRefusal, validateEvents } from './validate';

/** TikTok's Business API endpoints, minus HTTP: each returns the envelope's `data` or throws a TikTokRefusal. */

const PIXEL_LIST_DEFAULT_PAGE_SIZE = 10;
const PIXEL_LIST_MAX_PAGE_SIZE = 20;
const STATS_MAX_PIXEL_IDS = 10;
const STATS_MAX_DAYS = 30;
const UTC_DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export interface OpenApiState {
  registry: PixelRegistry;
  ledger: EventLedger;
}

const TOKEN_MESSAGES = {
  empty: 'Access token is null, please carry the Access-Token in the request header.',
  invalid: 'Access token is incorrect or has been revoked.',
} as const;

/** POST /open_api/v1.3/event/track/ — the Events API 2.0 server leg. */
export function trackEvents(state: OpenApiState, accessToken: string | undefined, bodyText: string): object {
  if (!accessToken) throw new TikTokRefusal(TIKTOK_CODE.TOKEN_EMPTY, TOKEN_MESSAGES.empty);
  if (!state.registry.isEventsToken(accessToken)) throw new TikTokRefusal(TIKTOK_CODE.TOKEN_INVALID, TOKEN_MESSAGES.invalid);

  const request = readTrackEnvelope(parseJson(bodyText));
  if (!state.registry.pixelByCode(request.pixelCode) || !state.registry.eventsTokenMayOperate(accessToken, request.pixelCode)) {
    throw new TikTokRefusal(
      TIKTOK_CODE.NO_PERMISSION,
      `No permission to operate pixel code: ${request.pixelCode}. You must be an admin or operator of this advertiser account.`,
    );
  }
  const events = validateEvents(request.data);
  state.ledger.record(
    events.map((event) => ({
      ...event,
      pixelCode: request.pixelCode,
      leg: 'server' as const,
      testEventCode: request.testEventCode,
    })),
  );
  return {};
}

/** GET /open_api/v1.3/pixel/list/ */
export function listPixels(state: OpenApiState, accessToken: string | undefined, query: URLSearchParams): object {
  const advertiserId = authorizeAdvertiser(state, accessToken, query);
  const page = positiveIntParam(query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const pageSize = positiveIntParam(query, 'page_size', PIXEL_LIST_DEFAULT_PAGE_SIZE, PIXEL_LIST_MAX_PAGE_SIZE);
  const code = query.get('code');
  const pixels = state.registry.pixelsOf(advertiserId).filter((pixel) => !code || pixel.pixelCode === code);
  return {
    pixels: pixels.slice((page - 1) * pageSize, page * pageSize).map((pixel) => ({
      pixel_id: pixel.pixelId,
      pixel_code: pixel.pixelCode,
      pixel_name: pixel.pixelName,
      events: [],
    })),
    page_info: { page, page_size: pageSize, total_number: pixels.length, total_page: Math.ceil(pixels.length / pageSize) },
  };
}

/**
 * GET /open_api/v1.3/pixel/event/stats/ — counted (post-dedup) events by UTC day of event time,
 * summed over the range. Purchases (`CompletePayment`/`Purchase`) are the `SHOPPING` row; other
 * events are labelled `event_type`. `preview_count` is the test events.
 */
export function pixelEventStats(
  state: OpenApiState,
  accessToken: string | undefined,
  query: URLSearchParams,
  options: { includeTotalCount: boolean },
): object {
  const advertiserId = authorizeAdvertiser(state, accessToken, query);
  const pixels = readPixelIds(query).map((pixelId) => ownedPixel(state, advertiserId, pixelId));
  const days = readDateRange(query);
  return {
    list: pixels.map((pixel) => ({
      pixel_id: pixel.pixelId,
      statistics: [...state.ledger.countsOver(pixel.pixelCode, days)]
        .filter(([, counts]) => counts.browser + counts.server + counts.preview > 0)
        .map(([event, counts]) => ({
          ...(event === 'Purchase' ? { pixel_event_type: 'SHOPPING' } : { event_type: event }),
          ...(options.includeTotalCount ? { total_count: counts.browser + counts.server } : {}),
          browser_event_total_count: counts.browser,
          server_event_total_count: counts.server,
          attributed_count: counts.attributed,
          preview_count: counts.preview,
        })),
    })),
  };
}

function authorizeAdvertiser(state: OpenApiState, accessToken: string | undefined, query: URLSearchParams): string {
  if (!accessToken) throw new TikTokRefusal(TIKTOK_CODE.TOKEN_EMPTY, TOKEN_MESSAGES.empty);
  if (!state.registry.isMarketingToken(accessToken)) {
    throw new TikTokRefusal(TIKTOK_CODE.TOKEN_INVALID, TOKEN_MESSAGES.invalid);
  }
  const advertiserId = query.get('advertiser_id');
  if (!advertiserId) throw invalidParameter('advertiser_id', 'missing data for required field');
  if (!state.registry.marketingTokenMayRead(accessToken, advertiserId)) {
    throw new TikTokRefusal(
      TIKTOK_CODE.NO_PERMISSION,
      `No permission to operate advertiser_id: ${advertiserId}. You must be an admin or operator of this advertiser account.`,
    );
  }
  return advertiserId;
}

function ownedPixel(state: OpenApiState, advertiserId: string, pixelId: string): RegisteredPixel {
  const pixel = state.registry.pixelById(pixelId);
  if (!pixel || pixel.advertiserId !== advertiserId) {
    throw new TikTokRefusal(TIKTOK_CODE.NO_PERMISSION, `No permission to operate pixel_id: ${pixelId}.`);
  }
  return pixel;
}

function readPixelIds(query: URLSearchParams): string[] {
  const ids = jsonParam(query, 'pixel_ids');
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' || typeof id === 'number')) {
    throw invalidParameter('pixel_ids', 'not a valid list');
  }
  if (ids.length < 1 || ids.length > STATS_MAX_PIXEL_IDS) {
    throw invalidParameter('pixel_ids', `length must be between 1 and ${STATS_MAX_PIXEL_IDS}`);
  }
  return ids.map(String);
}

/** The UTC days of `date_range`, both ends included, at most 30. */
function readDateRange(query: URLSearchParams): string[] {
  const range = jsonParam(query, 'date_range') as { start_date?: unknown; end_date?: unknown } | null;
  const start = dayStartMs(range?.start_date);
  const end = dayStartMs(range?.end_date);
  if (start === null) throw invalidParameter('start_date', 'not a valid date (YYYY-MM-DD)');
  if (end === null) throw invalidParameter('end_date', 'not a valid date (YYYY-MM-DD)');
  if (end < start) throw invalidParameter('date_range', 'end_date must not be before start_date');
  const dayCount = (end - start) / DAY_MS + 1;
  if (dayCount > STATS_MAX_DAYS) throw invalidParameter('date_range', `must not span more than ${STATS_MAX_DAYS} days`);
  return Array.from({ length: dayCount }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}

function dayStartMs(value: unknown): number | null {
  if (typeof value !== 'string' || !UTC_DAY.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? null : ms;
}

function jsonParam(query: URLSearchParams, name: string): unknown {
  const raw = query.get(name);
  if (raw === null) throw invalidParameter(name, 'missing data for required field');
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidParameter(name, 'not valid JSON');
  }
}

function positiveIntParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidParameter(name, `must be an integer between 1 and ${max}`);
  }
  return value;
}

function parseJson(bodyText: string): unknown {
  try {
    return JSON.parse(bodyText);
  } catch {
    throw new TikTokRefusal(TIKTOK_CODE.BAD_PARAMETERS, 'Invalid request body: not valid JSON.');
  }
}
