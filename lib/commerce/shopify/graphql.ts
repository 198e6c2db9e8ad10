import { z } from 'zod';

/**
 * One Admin GraphQL request, with Shopify's rate limiting obeyed and transient failures retried.
 * Knows nothing about orders: the client above it shapes queries and pages.
 */

export const SHOPIFY_API_VERSION = '2025-10';
/** Shopify rejects any single query whose requested cost exceeds this, whatever the bucket. */
export const SINGLE_QUERY_COST_CAP = 1000;

export type ShopifyProgress =
  | { type: 'page'; label: string; orders: number; fetchedSoFar: number; pageSize: number }
  | { type: 'wait'; reason: 'pacing' | 'throttled' | 'rate_limited'; waitMs: number }
  | { type: 'retry'; attempt: number; waitMs: number; reason: string }
  | { type: 'day_failed'; day: string; reason: string };

export interface TransportOptions {
  endpoint: string;
  accessToken: string;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  onProgress: (event: ShopifyProgress) => void;
  /** Tries per request for 429/5xx/network failures before giving up. */
  maxAttempts: number;
  /** First backoff delay; doubles per attempt, capped at 30 s. */
  retryBaseMs: number;
  requestTimeoutMs: number;
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface GraphqlError {
  message: string;
  path?: (string | number)[];
  code?: string;
}

export interface GraphqlResult {
  data: unknown;
  /** Errors that came with data: protected fields the app may not read (partial data). */
  errors: GraphqlError[];
  cost: QueryCost | null;
  /** Terms of the search query that Shopify ignored. */
  searchWarnings: string[];
}

export type ShopifyErrorKind = 'auth' | 'transient' | 'rejected' | 'cost_exceeded';

export class ShopifyRequestError extends Error {
  constructor(
    readonly kind: ShopifyErrorKind,
    message: string,
    /** For cost_exceeded: the cost of the rejected query and the limit it broke. */
    readonly cost?: { query: number; limit: number },
  ) {
    super(message);
    this.name = 'ShopifyRequestError';
  }
}

const throttleStatusSchema = z.object({
  maximumAvailable: z.number(),
  currentlyAvailable: z.number(),
  restoreRate: z.number().positive(),
});

const costSchema = z.object({
  requestedQueryCost: z.number(),
  actualQueryCost: z.number().nullable(),
  throttleStatus: throttleStatusSchema,
});

const errorSchema = z.object({
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
  extensions: z
    .looseObject({ code: z.string().optional(), cost: z.number().optional(), maxCost: z.number().optional() })
    .optional(),
});

const searchWarningSchema = z.looseObject({
  warnings: z.array(z.looseObject({ field: z.string().optional(), message: z.string() })).optional(),
});

const envelopeSchema = z.object({
  data: z.unknown().optional(),
  // A 401 answers with a plain string here.
  errors: z.union([z.array(errorSchema), z.string()]).optional(),
  extensions: z
    .looseObject({ cost: costSchema.optional(), search: z.array(searchWarningSchema).optional() })
    .optional(),
});

type Envelope = z.infer<typeof envelopeSchema>;

/** Bounded so a bucket that never refills cannot stall a sync forever. */
const MAX_THROTTLE_WAITS = 30;
// Timers fire a little early or late; this avoids one wasted THROTTLED round trip.
const TIMER_SLACK_MS = 25;

export function createGraphqlTransport(options: TransportOptions) {
  let lastBucket: { status: ThrottleStatus; at: number } | null = null;

  /** Waits until the bucket (as last reported) can pay for a query of this cost. */
  async function paceFor(expectedCost: number): Promise<void> {
    if (!lastBucket) return;
    const { status, at } = lastBucket;
    const elapsedSeconds = (Date.now() - at) / 1000;
    const available = Math.min(status.maximumAvailable, status.currentlyAvailable + elapsedSeconds * status.restoreRate);
    const affordable = Math.min(expectedCost, status.maximumAvailable);
    if (affordable <= available) return;
    const waitMs = Math.ceil(((affordable - available) / status.restoreRate) * 1000) + TIMER_SLACK_MS;
    options.onProgress({ type: 'wait', reason: 'pacing', waitMs });
    await options.sleep(waitMs);
  }

  async function request(query: string, variables: Record<string, unknown>, expectedCost: number): Promise<GraphqlResult> {
    let failures = 0;
    let throttleWaits = 0;

    const retryAfterFailure = async (reason: string, retryAfterMs: number | null): Promise<void> => {
      failures += 1;
      if (failures >= options.maxAttempts) {
        throw new ShopifyRequestError('transient', `${reason} (gave up after ${failures} attempts)`);
      }
      const waitMs = retryAfterMs ?? backoffMs(options.retryBaseMs, failures);
      options.onProgress({ type: 'retry', attempt: failures, waitMs, reason });
      await options.sleep(waitMs);
    };

    const waitForBucket = async (reason: 'throttled' | 'rate_limited', waitMs: number): Promise<void> => {
      throttleWaits += 1;
      if (throttleWaits > MAX_THROTTLE_WAITS) {
        throw new ShopifyRequestError('transient', `still throttled after ${MAX_THROTTLE_WAITS} waits`);
      }
      options.onProgress({ type: 'wait', reason, waitMs });
      await options.sleep(waitMs);
    };

    for (;;) {
      await paceFor(expectedCost);
      let response: Response;
      let text: string;
      try {
        response = await options.fetch(options.endpoint, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'X-Shopify-Access-Token': options.accessToken,
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(options.requestTimeoutMs),
        });
        text = await response.text();
      } catch (err) {
        await retryAfterFailure(`network error: ${describe(err)}`, null);
        continue;
      }

      if (response.status === 401 || response.status === 403) {
        throw new ShopifyRequestError('auth', `Shopify refused the access token (HTTP ${response.status}): ${snippet(text)}`);
      }
      const envelope = parseEnvelope(text);
      const cost = envelope?.extensions?.cost ?? null;
      if (cost) lastBucket = { status: cost.throttleStatus, at: Date.now() };

      if (response.status === 429) {
        const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
        const waitMs = retryAfterMs ?? (cost ? throttleWaitMs(cost) : backoffMs(options.retryBaseMs, throttleWaits + 1));
        await waitForBucket('rate_limited', waitMs);
        continue;
      }
      if (response.status >= 500) {
        await retryAfterFailure(`HTTP ${response.status}`, parseRetryAfterMs(response.headers.get('retry-after')));
        continue;
      }
      if (!response.ok) {
        throw new ShopifyRequestError('rejected', `HTTP ${response.status}: ${snippet(text)}`);
      }
      if (!envelope) {
        // A 200 that is not GraphQL JSON comes from a proxy or an outage page.
        await retryAfterFailure(`unreadable response: ${snippet(text)}`, null);
        continue;
      }

      const errors = normalizeErrors(envelope.errors);
      if (errors.some((e) => e.code === 'THROTTLED')) {
        if (cost && cost.requestedQueryCost > cost.throttleStatus.maximumAvailable) {
          // The bucket can never hold this much: waiting would not help, a smaller page will.
          throw new ShopifyRequestError('cost_exceeded', 'query costs more than the whole bucket', {
            query: cost.requestedQueryCost,
            limit: cost.throttleStatus.maximumAvailable,
          });
        }
        await waitForBucket('throttled', cost ? throttleWaitMs(cost) : backoffMs(options.retryBaseMs, throttleWaits + 1));
        continue;
      }
      const costExceeded = errors.find((e) => e.code === 'MAX_COST_EXCEEDED');
      if (costExceeded) {
        throw new ShopifyRequestError('cost_exceeded', costExceeded.message, {
          query: costExceeded.queryCost ?? SINGLE_QUERY_COST_CAP * 2,
          limit: costExceeded.maxCost ?? SINGLE_QUERY_COST_CAP,
        });
      }
      if (envelope.data === undefined || envelope.data === null) {
        const kind = errors.some((e) => e.code === 'ACCESS_DENIED') ? 'auth' : 'rejected';
        throw new ShopifyRequestError(kind, errors.map((e) => e.message).join('; ') || 'response without data');
      }
      return {
        data: envelope.data,
        errors: errors.map(({ message, path, code }) => ({ message, path, code })),
        cost,
        searchWarnings: (envelope.extensions?.search ?? []).flatMap((s) =>
          (s.warnings ?? []).map((w) => (w.field ? `${w.field}: ${w.message}` : w.message)),
        ),
      };
    }
  }

  return { request };
}

/** Seconds to wait per Shopify: (requested − available) / restoreRate. */
function throttleWaitMs(cost: QueryCost): number {
  const { currentlyAvailable, restoreRate } = cost.throttleStatus;
  const deficit = Math.max(0, cost.requestedQueryCost - currentlyAvailable);
  return Math.ceil((deficit / restoreRate) * 1000) + TIMER_SLACK_MS;
}

function backoffMs(baseMs: number, attempt: number): number {
  const exponential = Math.min(30_000, baseMs * 2 ** (attempt - 1));
  // Jitter keeps many stores' syncs from retrying in lockstep.
  return Math.round(exponential * (0.75 + Math.random() * 0.5));
}

/** Retry-After in (possibly fractional) seconds, or an HTTP date. */
function parseRetryAfterMs(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function parseEnvelope(text: string): Envelope | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = envelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

function normalizeErrors(errors: Envelope['errors']): (GraphqlError & { queryCost?: number; maxCost?: number })[] {
  if (errors === undefined) return [];
  if (typeof errors === 'string') return [{ message: errors }];
  return errors.map((e) => ({
    message: e.message,
    path: e.path,
    code: e.extensions?.code,
    queryCost: e.extensions?.cost,
    maxCost: e.extensions?.maxCost,
  }));
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
