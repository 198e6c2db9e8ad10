import { z } from 'zod';
import type { OrderInput } from '@/lib/commerce/types';
import { unreadableDays, unreadableFailure, type UnreadableOrder } from '@/lib/commerce/unreadable';
import { mapWooOrder } from '@/lib/commerce/woocommerce/mapping';

/** WooCommerce REST `wc/v3/orders` reader: window pulls by creation date, incremental by modification. */

export interface WooCommerceClientOptions {
  /** The WordPress site URL, with its sub-directory if WordPress lives in one. */
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (event: WooProgress) => void;
  /** Tries per page for 429/5xx/network failures before giving up. */
  maxAttempts?: number;
  retryBaseMs?: number;
  requestTimeoutMs?: number;
  /** The clock that bounds the incremental high-water mark. */
  now?: () => Date;
}

export type WooProgress =
  | { type: 'page'; page: number; totalPages: number; orders: number }
  | { type: 'retry'; attempt: number; waitMs: number; reason: string };

export interface WooFetchResult {
  orders: OrderInput[];
  /** Orders left out on purpose (never a purchase), counted by status. */
  skippedByStatus: Record<string, number>;
  /** False when a page could not be read: the orders read so far are still returned. */
  complete: boolean;
  failure: string | null;
  warnings: string[];
}

interface WooReadResult extends WooFetchResult {
  unreadable: UnreadableOrder[];
}

export interface WooModifiedSinceResult extends WooFetchResult {
  /** Creation days of orders that could not be read: read them again as whole days. */
  unreadableDays: string[];
  /** Pass as `since` next time. */
  highWaterMark: Date;
}

export class WooCommerceRequestError extends Error {
  constructor(
    readonly kind: 'auth' | 'transient' | 'rejected',
    message: string,
  ) {
    super(message);
    this.name = 'WooCommerceRequestError';
  }
}

const PER_PAGE = 100;
// Woo's after/before/modified_after are exclusive and dates have whole seconds: step back one
// second so an order stamped exactly at the window start is included.
const EXCLUSIVE_BOUND_MS = 1000;
const INCREMENTAL_OVERLAP_MS = 5 * 60_000;
const totalPagesSchema = z.coerce.number().int().nonnegative();

export function createWooCommerceClient(options: WooCommerceClientOptions) {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const onProgress = options.onProgress ?? (() => {});
  const maxAttempts = options.maxAttempts ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  const ordersUrl = new URL('wp-json/wc/v3/orders', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const authorization = `Basic ${Buffer.from(`${options.consumerKey}:${options.consumerSecret}`).toString('base64')}`;

  async function getPage(params: Record<string, string>, page: number): Promise<{ body: unknown[]; totalPages: number }> {
    const url = new URL(ordersUrl);
    for (const [key, value] of Object.entries({ ...params, page: String(page) })) url.searchParams.set(key, value);
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      let retryAfterMs: number | null = null;
      try {
        const response = await fetchImpl(url, {
          headers: { Authorization: authorization, Accept: 'application/json' },
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const text = await response.text();
        if (response.status === 401 || response.status === 403) {
          throw new WooCommerceRequestError('auth', `WooCommerce refused the API keys (HTTP ${response.status}): ${snippet(text)}`);
        }
        if (response.ok) {
          const body = z.array(z.unknown()).safeParse(safeJson(text));
          const totalPages = totalPagesSchema.safeParse(response.headers.get('x-wp-totalpages') ?? undefined);
          if (body.success && totalPages.success) return { body: body.data, totalPages: totalPages.data };
          // Security plugins and caches answer 200 with an HTML page; treat it as transient.
          failure = `not a WooCommerce orders response: ${snippet(text)}`;
        } else if (response.status === 429 || response.status >= 500) {
          failure = `HTTP ${response.status}`;
          retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
        } else {
          throw new WooCommerceRequestError('rejected', `HTTP ${response.status}: ${snippet(text)}`);
        }
      } catch (err) {
        if (err instanceof WooCommerceRequestError) throw err;
        failure = `network error: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (attempt >= maxAttempts) throw new WooCommerceRequestError('transient', `${failure} (gave up after ${attempt} attempts)`);
      const waitMs = retryAfterMs ?? Math.min(30_000, retryBaseMs * 2 ** (attempt - 1));
      onProgress({ type: 'retry', attempt, waitMs, reason: failure });
      await sleep(waitMs);
    }
  }

  /** Reads every page; a failure part-way is reported with the orders read before it. */
  async function readAll(params: Record<string, string>): Promise<WooReadResult> {
    const result: WooReadResult = { orders: [], skippedByStatus: {}, complete: true, failure: null, warnings: [], unreadable: [] };
    const query = {
      ...params,
      dates_are_gmt: 'true',
      per_page: String(PER_PAGE),
      // Ascending ids keep pages stable while new orders arrive during the read.
      orderby: 'id',
      order: 'asc',
    };
    try {
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        const response = await getPage(query, page);
        totalPages = response.totalPages;
        for (const json of response.body) {
          const mapped = mapWooOrder(json);
          if (mapped.kind === 'order') result.orders.push(mapped.order);
          else if (mapped.kind === 'skipped') result.skippedByStatus[mapped.status] = (result.skippedByStatus[mapped.status] ?? 0) + 1;
          else {
            result.unreadable.push({ id: mapped.id, day: mapped.createdDay });
            result.warnings.push(`order ${mapped.id ?? '(no id)'} could not be read and was not imported: ${mapped.issue}`);
          }
        }
        onProgress({ type: 'page', page, totalPages, orders: response.body.length });
        if (response.body.length === 0) break;
      }
    } catch (err) {
      if (err instanceof WooCommerceRequestError && err.kind === 'auth') throw err;
      result.complete = false;
      result.failure = err instanceof Error ? err.message : String(err);
    }
    return result;
  }

  /**
   * Orders created in [from, to). Woo filters the window by creation date; an order paid later
   * keeps its paid time as processedAt and is also caught by fetchOrdersModifiedSince.
   */
  async function fetchOrdersInWindow(window: { from: Date; to: Date }): Promise<WooFetchResult> {
    if (!(window.from.getTime() < window.to.getTime())) {
      throw new RangeError(`empty order window: ${window.from.toISOString()} .. ${window.to.toISOString()}`);
    }
    const { unreadable, ...result } = await readAll({
      after: wooDate(new Date(window.from.getTime() - EXCLUSIVE_BOUND_MS)),
      before: wooDate(window.to),
    });
    // An order that could not be read is not imported: the window stays failed so the next sync reads it again.
    const failure = unreadableFailure(unreadable);
    return failure && result.complete ? { ...result, complete: false, failure } : result;
  }

  /** Orders modified at or after `since` (WooCommerce ≥ 5.8). */
  async function fetchOrdersModifiedSince(since: Date): Promise<WooModifiedSinceResult> {
    const startedAt = now().getTime();
    const { unreadable, ...result } = await readAll({ modified_after: wooDate(new Date(since.getTime() - EXCLUSIVE_BOUND_MS)) });
    // Sorted by id, not by modification: after a failure part-way the mark must not move.
    let newest = since.getTime();
    if (result.complete) {
      for (const order of result.orders) newest = Math.max(newest, order.updatedAt?.getTime() ?? 0);
    }
    // An order modified while the pages were read may sit on a page already read: never move the
    // mark past the start of the read (less an allowance for clock skew).
    const highWaterMark = new Date(Math.max(since.getTime(), Math.min(newest, startedAt - INCREMENTAL_OVERLAP_MS)));
    return { ...result, unreadableDays: unreadableDays(unreadable), highWaterMark };
  }

  return { fetchOrdersInWindow, fetchOrdersModifiedSince };
}

export type WooCommerceClient = ReturnType<typeof createWooCommerceClient>;

/** ISO 8601 in UTC without the zone suffix, as Woo documents its GMT parameters. */
function wooDate(date: Date): string {
  return date.toISOString().slice(0, 19);
}

function parseRetryAfterMs(value: string | null): number | null {
  const seconds = Number(value?.trim());
  return value && Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}
