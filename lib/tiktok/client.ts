import { z } from 'zod';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff';
import { classifyTikTokCode, isRequestLevelRefusal, TIKTOK_CODE } from './codes';
import { chunk, chunkEvents, toWireBody } from './events';
import { pixelStatsDataSchema, purchaseStatsFromRows, type PixelPurchaseStats } from './stats';
import { MAX_EVENTS_PER_REQUEST, tikTokEnvelopeSchema, type EventsApiBody, type TikTokEnvelope } from './types';

export { classifyTikTokCode, isRequestLevelRefusal, TIKTOK_CODE, type CodeClass } from './codes';
export { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff';
export { canonicalEventName, chunkEvents, isPurchaseEvent, PURCHASE_EVENT_NAMES, toWireBody } from './events';
export { purchaseStatsFromRows, type PixelPurchaseStats } from './stats';
export * from './types';

export const TRACK_PATH = '/open_api/v1.3/event/track/';
export const PIXEL_LIST_PATH = '/open_api/v1.3/pixel/list/';
export const PIXEL_STATS_PATH = '/open_api/v1.3/pixel/event/stats/';

/** TikTok's cap on `pixel_ids` per stats request. */
export const MAX_PIXEL_IDS_PER_STATS_REQUEST = 10;
const PIXEL_LIST_PAGE_SIZE = 20;

export interface TikTokClientOptions {
  /** e.g. `https://business-api.tiktok.com`; may carry a path prefix (a relay, a fake). */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Per HTTP request, body included. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
}

export interface TikTokHttpResponse {
  status: number;
  contentType: string | null;
  /** Exactly what TikTok sent, so a relay can hand the answer back unchanged. */
  bodyText: string;
  /** Present when the body is a valid TikTok envelope. */
  envelope?: TikTokEnvelope;
}

export type TransientReason = 'rate_limited' | 'server_error' | 'timeout' | 'network';

export type SendOutcome =
  | { kind: 'ok'; response: TikTokHttpResponse & { envelope: TikTokEnvelope } }
  | { kind: 'transient'; reason: TransientReason; message: string; response?: TikTokHttpResponse }
  /** `code` is null for a protocol error: a non-5xx answer without a TikTok envelope. */
  | { kind: 'permanent'; code: number | null; message: string; response: TikTokHttpResponse };

export type EventDeliveryResult =
  | { index: number; status: 'accepted' }
  | { index: number; status: 'rejected'; code: number | null; message: string }
  | { index: number; status: 'failed_transient'; reason: TransientReason; message: string };

export interface TrackRequest {
  accessToken: string;
  body: EventsApiBody;
}

export interface TikTokPixel {
  pixelId: string;
  pixelCode: string;
  pixelName: string;
}

/** A marketing-API call that did not succeed (after retries, when transient). */
export class TikTokApiError extends Error {
  constructor(
    message: string,
    readonly kind: 'transient' | 'permanent',
    readonly code: number | null,
    readonly httpStatus: number | null,
  ) {
    super(message);
    this.name = 'TikTokApiError';
  }
}

export interface TikTokClient {
  /** One request, no retry: the classified answer, for callers that queue transient failures themselves. */
  sendOnce(request: TrackRequest): Promise<SendOutcome>;
  /** Chunks into ≤1,000-event requests and retries transient failures; one outcome per request. */
  trackEvents(request: TrackRequest): Promise<SendOutcome[]>;
  /** Like trackEvents, but isolates refused events by binary splitting; one result per input event. */
  deliverBatch(request: TrackRequest): Promise<EventDeliveryResult[]>;
  listPixels(request: { accessToken: string; advertiserId: string; code?: string }): Promise<TikTokPixel[]>;
  /** Purchase counts per pixel for one UTC day (`YYYY-MM-DD`). */
  getPurchaseStats(request: {
    accessToken: string;
    advertiserId: string;
    pixelIds: readonly string[];
    day: string;
  }): Promise<PixelPurchaseStats[]>;
}

const pixelListDataSchema = z.object({
  pixels: z
    .array(
      z.object({
        pixel_id: z.union([z.string(), z.number()]).transform(String),
        pixel_code: z.string(),
        pixel_name: z.string().nullish().transform((name) => name ?? ''),
      }),
    )
    .nullish()
    .transform((pixels) => pixels ?? []),
  page_info: z.object({ page: z.number().int(), total_page: z.number().int() }).nullish(),
});

const UTC_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function createTikTokClient(options: TikTokClientOptions): TikTokClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  async function request(
    method: 'GET' | 'POST',
    path: string,
    accessToken: string,
    init: { query?: Record<string, string>; body?: unknown },
  ): Promise<SendOutcome> {
    const url = new URL(baseUrl + path);
    for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { 'Access-Token': accessToken, Accept: 'application/json' };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetchImpl(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: controller.signal,
      });
      const bodyText = await response.text();
      return classifyTikTokResponse({ status: response.status, contentType: response.headers.get('content-type'), bodyText });
    } catch (error) {
      if (controller.signal.aborted) {
        return { kind: 'transient', reason: 'timeout', message: `no complete answer within ${timeoutMs} ms` };
      }
      return { kind: 'transient', reason: 'network', message: describeNetworkError(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A timed-out POST may have been delivered; resending is safe because TikTok dedups on event_id. */
  async function withRetry(attempt: () => Promise<SendOutcome>): Promise<SendOutcome> {
    for (let attemptNumber = 1; ; attemptNumber++) {
      const outcome = await attempt();
      if (outcome.kind !== 'transient' || attemptNumber >= policy.maxAttempts) return outcome;
      await sleep(backoffDelayMs(attemptNumber, policy, random));
    }
  }

  async function sendOnce({ accessToken, body }: TrackRequest): Promise<SendOutcome> {
    if (body.data.length > MAX_EVENTS_PER_REQUEST) {
      throw new RangeError(
        `${body.data.length} events in one request; TikTok accepts at most ${MAX_EVENTS_PER_REQUEST} (use chunkEvents)`,
      );
    }
    return request('POST', TRACK_PATH, accessToken, { body: toWireBody(body) });
  }

  async function trackEvents({ accessToken, body }: TrackRequest): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    // Sequential: parallel chunks would only trip TikTok's rate limit sooner.
    for (const data of chunkEvents(body.data)) {
      outcomes.push(await withRetry(() => sendOnce({ accessToken, body: { ...body, data } })));
    }
    return outcomes;
  }

  async function deliverBatch({ accessToken, body }: TrackRequest): Promise<EventDeliveryResult[]> {
    const results: EventDeliveryResult[] = new Array(body.data.length);

    async function deliver(indices: number[]): Promise<void> {
      const data = indices.map((index) => body.data[index]);
      const outcome = await withRetry(() => sendOnce({ accessToken, body: { ...body, data } }));
      if (outcome.kind === 'ok') {
        for (const index of indices) results[index] = { index, status: 'accepted' };
      } else if (outcome.kind === 'transient') {
        for (const index of indices) {
          results[index] = { index, status: 'failed_transient', reason: outcome.reason, message: outcome.message };
        }
      } else if (indices.length > 1 && splittingCanIsolate(outcome)) {
        // One bad event refuses the whole batch, and a refused batch counted nothing, so halves are safe to resend.
        const middle = Math.ceil(indices.length / 2);
        await deliver(indices.slice(0, middle));
        await deliver(indices.slice(middle));
      } else {
        for (const index of indices) {
          results[index] = { index, status: 'rejected', code: outcome.code, message: outcome.message };
        }
      }
    }

    for (const indices of chunkEvents(body.data.map((_, index) => index))) await deliver(indices);
    return results;
  }

  async function getData<T>(
    path: string,
    accessToken: string,
    query: Record<string, string>,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const outcome = await withRetry(() => request('GET', path, accessToken, { query }));
    if (outcome.kind !== 'ok') {
      const code = outcome.kind === 'permanent' ? outcome.code : (outcome.response?.envelope?.code ?? null);
      throw new TikTokApiError(`TikTok ${path}: ${outcome.message}`, outcome.kind, code, outcome.response?.status ?? null);
    }
    const parsed = schema.safeParse(outcome.response.envelope.data ?? {});
    if (!parsed.success) {
      throw new TikTokApiError(
        `TikTok ${path}: unexpected data shape (${z.prettifyError(parsed.error)})`,
        'permanent',
        outcome.response.envelope.code,
        outcome.response.status,
      );
    }
    return parsed.data;
  }

  async function listPixels({
    accessToken,
    advertiserId,
    code,
  }: {
    accessToken: string;
    advertiserId: string;
    code?: string;
  }): Promise<TikTokPixel[]> {
    const pixels: TikTokPixel[] = [];
    for (let page = 1; ; page++) {
      const query: Record<string, string> = {
        advertiser_id: advertiserId,
        page: String(page),
        page_size: String(PIXEL_LIST_PAGE_SIZE),
      };
      if (code !== undefined) query.code = code;
      const data = await getData(PIXEL_LIST_PATH, accessToken, query, pixelListDataSchema);
      for (const pixel of data.pixels) {
        pixels.push({ pixelId: pixel.pixel_id, pixelCode: pixel.pixel_code, pixelName: pixel.pixel_name });
      }
      const totalPages = data.page_info?.total_page ?? 1;
      if (page >= totalPages || data.pixels.length === 0) return pixels;
    }
  }

  async function getPurchaseStats({
    accessToken,
    advertiserId,
    pixelIds,
    day,
  }: {
    accessToken: string;
    advertiserId: string;
    pixelIds: readonly string[];
    day: string;
  }): Promise<PixelPurchaseStats[]> {
    if (!isUtcDay(day)) throw new RangeError(`day must be a UTC date YYYY-MM-DD, got ${JSON.stringify(day)}`);
    const stats: PixelPurchaseStats[] = [];
    for (const ids of chunk(pixelIds, MAX_PIXEL_IDS_PER_STATS_REQUEST)) {
      const data = await getData(
        PIXEL_STATS_PATH,
        accessToken,
        {
          advertiser_id: advertiserId,
          pixel_ids: JSON.stringify(ids),
          // Counts are aggregated over the range, so one day per call gives daily numbers.
          date_range: JSON.stringify({ start_date: day, end_date: day }),
        },
        pixelStatsDataSchema,
      );
      for (const pixelId of ids) {
        const rows = data.list.find((entry) => entry.pixel_id === pixelId)?.statistics ?? [];
        stats.push(purchaseStatsFromRows(pixelId, rows));
      }
    }
    return stats;
  }

  return { sendOnce, trackEvents, deliverBatch, listPixels, getPurchaseStats };
}

/** Classifies one raw HTTP answer from TikTok (the client and the relay's live sender share it). */
export function classifyTikTokResponse(raw: Omit<TikTokHttpResponse, 'envelope'>): SendOutcome {
  const envelope = parseEnvelope(raw.bodyText.trimStart());
  const response: TikTokHttpResponse = envelope ? { ...raw, envelope } : raw;
  const verdict = classifyTikTokCode(raw.status, envelope?.code);
  if (verdict === 'ok' && envelope) return { kind: 'ok', response: { ...raw, envelope } };
  if (verdict === 'transient') {
    const rateLimited = raw.status === 429 || envelope?.code === TIKTOK_CODE.TOO_MANY_REQUESTS;
    return {
      kind: 'transient',
      reason: rateLimited ? 'rate_limited' : 'server_error',
      message: envelope ? `code ${envelope.code}: ${envelope.message}` : `HTTP ${raw.status}`,
      response,
    };
  }
  if (envelope) return { kind: 'permanent', code: envelope.code, message: envelope.message, response };
  return {
    kind: 'permanent',
    code: null,
    message: `HTTP ${raw.status} without a TikTok envelope: ${raw.bodyText.slice(0, 120)}`,
    response,
  };
}

function parseEnvelope(bodyText: string): TikTokEnvelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  const parsed = tikTokEnvelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Token and pixel refusals concern every event alike; a 413 without an envelope means "too big", which halves fix. */
function splittingCanIsolate(outcome: Extract<SendOutcome, { kind: 'permanent' }>): boolean {
  return outcome.code === null ? outcome.response.status === 413 : !isRequestLevelRefusal(outcome.code);
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function isUtcDay(day: string): boolean {
  if (!UTC_DAY.test(day)) return false;
  const midnight = new Date(`${day}T00:00:00Z`);
  // Rejects impossible dates such as 2025-02-30 instead of letting them roll over.
  return !Number.isNaN(midnight.getTime()) && midnight.toISOString().startsWith(day);
}
