import type { OrderInput } from '@/lib/commerce/types';
import {
  createGraphqlTransport,
  SHOPIFY_API_VERSION,
  SINGLE_QUERY_COST_CAP,
  ShopifyRequestError,
  type GraphqlResult,
  type ShopifyProgress,
} from '@/lib/commerce/shopify/graphql';
import { unreadableDays, unreadableFailure, type UnreadableOrder } from '@/lib/commerce/unreadable';
import { ORDERS_QUERY, ordersPageSchema, parseOrderNode, type OrderSortKey } from '@/lib/commerce/shopify/orders';

export interface ShopifyClientOptions {
  /** The shop's origin, e.g. https://x.myshopify.com, or a fake's URL. */
  baseUrl: string;
  accessToken: string;
  apiVersion?: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (event: ShopifyProgress) => void;
  /** Orders per page before the first cost report arrives (default 50). */
  initialPageSize?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  requestTimeoutMs?: number;
  /** The shop's clock: the 60-day visibility warning and the incremental mark are measured against it. */
  now?: () => Date;
}

export interface OrderWindow {
  from: Date;
  to: Date;
}

export interface DayFetch {
  /** UTC date of the slice, YYYY-MM-DD. */
  day: string;
  from: Date;
  to: Date;
  /** Every order read, also when the day failed part-way (upserts make re-reading harmless). */
  orders: OrderInput[];
  /** False when the day could not be read in full: the next sync must fetch it again. */
  complete: boolean;
  failure: string | null;
  warnings: string[];
}

export interface WindowFetchResult {
  orders: OrderInput[];
  days: Omit<DayFetch, 'orders'>[];
  failedDays: { day: string; reason: string }[];
  warnings: string[];
}

export interface WindowFetch extends AsyncIterable<DayFetch> {
  /** Known before any request, e.g. the window reaching past what Shopify shows. */
  readonly warnings: readonly string[];
  /** Reads the whole window into memory: for small windows, the CLI and tests. */
  collect(): Promise<WindowFetchResult>;
}

export interface UpdatedSinceResult {
  orders: OrderInput[];
  /** Processed days of orders that could not be read: read them again as whole days. */
  unreadableDays: string[];
  /** Pass as `since` next time; the boundary order is re-read, which upserts make harmless. */
  highWaterMark: Date;
  complete: boolean;
  failure: string | null;
  warnings: string[];
}

/** Without read_all_orders, Shopify silently hides orders older than this. */
export const VISIBLE_ORDER_DAYS = 60;
const MAX_PAGE_SIZE = 250;
// Leave headroom under the cap: the cost per order is an estimate from the previous page.
const COST_BUDGET_SHARE = 0.8;
const DAY_MS = 86_400_000;
const INCREMENTAL_OVERLAP_MS = 5 * 60_000;

export function createShopifyClient(options: ShopifyClientOptions) {
  const apiVersion = options.apiVersion ?? SHOPIFY_API_VERSION;
  const endpoint = new URL(`/admin/api/${apiVersion}/graphql.json`, options.baseUrl).toString();
  const onProgress = options.onProgress ?? (() => {});
  const now = options.now ?? (() => new Date());
  const transport = createGraphqlTransport({
    endpoint,
    accessToken: options.accessToken,
    fetch: options.fetch ?? globalThis.fetch,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    onProgress,
    maxAttempts: options.maxAttempts ?? 5,
    retryBaseMs: options.retryBaseMs ?? 1000,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
  });
  // Shared across queries: what one page cost tells the next how large it may be.
  let pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, options.initialPageSize ?? 50));
  let costPerOrder: number | null = null;

  function adaptPageSize(result: GraphqlResult, requested: number): void {
    if (!result.cost || requested === 0) return;
    costPerOrder = result.cost.requestedQueryCost / requested;
    const budget = COST_BUDGET_SHARE * Math.min(SINGLE_QUERY_COST_CAP, result.cost.throttleStatus.maximumAvailable);
    pageSize = clamp(Math.floor(budget / costPerOrder), 1, MAX_PAGE_SIZE);
  }

  /**
   * Pages through one search query. Orders read so far are handed to `onOrders` as they arrive,
   * so a failure part-way still keeps them; the failure itself is thrown.
   */
  async function readQuery(
    label: string,
    searchQuery: string,
    sortKey: OrderSortKey,
    onOrders: (orders: OrderInput[]) => void,
    warnings: Set<string>,
    unreadable: UnreadableOrder[],
  ): Promise<void> {
    let after: string | null = null;
    let fetched = 0;
    for (;;) {
      const first = pageSize;
      let result: GraphqlResult;
      try {
        result = await transport.request(
          ORDERS_QUERY,
          { first, after, q: searchQuery, sortKey },
          costPerOrder === null ? 0 : costPerOrder * first,
        );
      } catch (err) {
        if (err instanceof ShopifyRequestError && err.kind === 'cost_exceeded' && err.cost && first > 1) {
          costPerOrder = err.cost.query / first;
          pageSize = clamp(Math.floor((COST_BUDGET_SHARE * err.cost.limit) / costPerOrder), 1, first - 1);
          continue;
        }
        throw err;
      }
      adaptPageSize(result, first);
      for (const w of result.searchWarnings) warnings.add(`Shopify ignored part of the search "${searchQuery}": ${w}`);
      for (const message of new Set(result.errors.map((e) => e.message))) {
        warnings.add(`partial data (fields left empty): ${message}`);
      }
      const page = ordersPageSchema.safeParse(result.data);
      if (!page.success) {
        throw new ShopifyRequestError('rejected', `unexpected orders response: ${page.error.issues[0]?.message}`);
      }
      const orders: OrderInput[] = [];
      const withheld = journeyWithheldNodes(result.errors);
      for (const [index, node] of page.data.orders.nodes.entries()) {
        const parsed = parseOrderNode(node, withheld === 'all' || withheld.has(index));
        if (parsed.ok) orders.push(parsed.order);
        else {
          unreadable.push({ id: parsed.id, day: parsed.processedDay });
          warnings.add(`order ${parsed.id ?? '(no id)'} could not be read and was not imported: ${parsed.issue}`);
        }
      }
      fetched += orders.length;
      onOrders(orders);
      onProgress({ type: 'page', label, orders: orders.length, fetchedSoFar: fetched, pageSize: first });
      const { hasNextPage, endCursor } = page.data.orders.pageInfo;
      if (!hasNextPage || !endCursor) return;
      after = endCursor;
    }
  }

  async function fetchDay(slice: { day: string; from: Date; to: Date }): Promise<DayFetch> {
    const orders: OrderInput[] = [];
    const warnings = new Set<string>();
    const unreadable: UnreadableOrder[] = [];
    const searchQuery = `processed_at:>='${isoSeconds(slice.from)}' processed_at:<'${isoSeconds(slice.to)}'`;
    try {
      await readQuery(slice.day, searchQuery, 'PROCESSED_AT', (page) => orders.push(...page), warnings, unreadable);
      // An order that could not be read is not imported: the day stays failed so the next sync reads it again.
      const failure = unreadableFailure(unreadable);
      if (failure) onProgress({ type: 'day_failed', day: slice.day, reason: failure });
      return { ...slice, orders, complete: !failure, failure, warnings: [...warnings] };
    } catch (err) {
      // A refused token fails every day alike: stop the sync instead of reporting N failed days.
      if (err instanceof ShopifyRequestError && err.kind === 'auth') throw err;
      const reason = err instanceof Error ? err.message : String(err);
      onProgress({ type: 'day_failed', day: slice.day, reason });
      return { ...slice, orders, complete: false, failure: reason, warnings: [...warnings] };
    }
  }

  /** Orders processed in [from, to), one UTC day per query (pagination stops at 25,000 objects). */
  function fetchOrdersInWindow(window: OrderWindow): WindowFetch {
    if (!(window.from.getTime() < window.to.getTime())) {
      throw new RangeError(`empty order window: ${window.from.toISOString()} .. ${window.to.toISOString()}`);
    }
    const slices = splitIntoUtcDays(window);
    const warnings = visibilityWarnings(window, now());
    const iterate = async function* (): AsyncGenerator<DayFetch> {
      for (const slice of slices) yield await fetchDay(slice);
    };
    return {
      warnings,
      [Symbol.asyncIterator]: iterate,
      async collect() {
        const result: WindowFetchResult = { orders: [], days: [], failedDays: [], warnings: [...warnings] };
        for await (const { orders, ...day } of iterate()) {
          result.orders.push(...orders);
          result.days.push(day);
          if (!day.complete) result.failedDays.push({ day: day.day, reason: day.failure ?? 'unknown' });
          for (const w of day.warnings) if (!result.warnings.includes(w)) result.warnings.push(w);
        }
        return result;
      },
    };
  }

  /** Orders updated at or after `since`, oldest update first, for incremental syncs. */
  async function fetchOrdersUpdatedSince(since: Date): Promise<UpdatedSinceResult> {
    const startedAt = now().getTime();
    const orders: OrderInput[] = [];
    const warnings = new Set<string>();
    const unreadable: UnreadableOrder[] = [];
    // Sorted by updated_at, so after a failure part-way the mark covers exactly what was read.
    let newest = since.getTime();
    const collect = (page: OrderInput[]) => {
      orders.push(...page);
      for (const order of page) newest = Math.max(newest, order.updatedAt?.getTime() ?? 0);
    };
    // Shopify's search index lags writes a little: re-read the last minutes on the next run.
    const mark = () => new Date(Math.max(since.getTime(), Math.min(newest, startedAt - INCREMENTAL_OVERLAP_MS)));
    try {
      await readQuery('updated', `updated_at:>='${isoSeconds(since)}'`, 'UPDATED_AT', collect, warnings, unreadable);
      return { orders, unreadableDays: unreadableDays(unreadable), highWaterMark: mark(), complete: true, failure: null, warnings: [...warnings] };
    } catch (err) {
      if (err instanceof ShopifyRequestError && err.kind === 'auth') throw err;
      const reason = err instanceof Error ? err.message : String(err);
      return { orders, unreadableDays: unreadableDays(unreadable), highWaterMark: mark(), complete: false, failure: reason, warnings: [...warnings] };
    }
  }

  return { fetchOrdersInWindow, fetchOrdersUpdatedSince };
}

export type ShopifyClient = ReturnType<typeof createShopifyClient>;

/** [from, to) cut at each UTC midnight; the first and last slices may be partial days. */
export function splitIntoUtcDays(window: OrderWindow): { day: string; from: Date; to: Date }[] {
  const slices: { day: string; from: Date; to: Date }[] = [];
  let start = window.from.getTime();
  const end = window.to.getTime();
  while (start < end) {
    const nextMidnight = Math.floor(start / DAY_MS) * DAY_MS + DAY_MS;
    const sliceEnd = Math.min(nextMidnight, end);
    slices.push({ day: new Date(start).toISOString().slice(0, 10), from: new Date(start), to: new Date(sliceEnd) });
    start = sliceEnd;
  }
  return slices;
}

export function visibilityWarnings(window: OrderWindow, now: Date): string[] {
  const oldestVisible = new Date(now.getTime() - VISIBLE_ORDER_DAYS * DAY_MS);
  if (window.from >= oldestVisible) return [];
  return [
    `The window starts ${window.from.toISOString()}, more than ${VISIBLE_ORDER_DAYS} days ago: unless the app has the ` +
      `read_all_orders scope, Shopify silently omits orders before ${oldestVisible.toISOString()}.`,
  ];
}

/** Shopify's search examples use whole seconds: 2025-01-01T00:00:00Z. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * Which order nodes' customer journeys Shopify refused (protected customer data), from the paths of
 * the response's errors: ['orders', 'nodes', i, 'customerJourneySummary', …]. An error about the
 * journey without a node index covers every node.
 */
function journeyWithheldNodes(errors: readonly { path?: readonly (string | number)[] | null }[]): Set<number> | 'all' {
  const nodes = new Set<number>();
  for (const { path } of errors) {
    const at = path?.indexOf('customerJourneySummary') ?? -1;
    if (at < 0) continue;
    const index = path![at - 1];
    if (typeof index !== 'number') return 'all';
    nodes.add(index);
  }
  return nodes;
}
