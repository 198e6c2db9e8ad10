/**
 * computeHealth: DESIGN.md §4 for one store and one window, from three set-based queries
 * (lib/health/queries.ts) run in one read-only snapshot. Definitions: docs/metrics.md.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import {
  DAYS_TO_CONVERSION_BUCKETS,
  DOUBLE_COUNT_REASONS,
  MATCH_KEYS,
  MATCH_KEY_WEIGHTS,
  PAGE_LOAD_BUCKETS,
  lintSeverity,
  type LostBrowserCause,
  type MatchKey,
} from './definitions';
import {
  COUNT_COLUMNS,
  dailyCounts,
  eventAggregates,
  orderAggregates,
  type CountRow,
  type DailyCountRow,
  type EventAggregateRow,
  type OrderAggregateRow,
} from './queries';
import type { BridgeStep, HealthReport, HealthSegments, NormalizationSummary, Rate, ReportedDetail, SegmentRow } from './types';
import { isSettled, settlesAt, windowBounds } from './windows';

/**
 * work_mem for computeHealth's own transaction. At 1M orders a week, each of the two per-order
 * sorts and hash joins needs ~100 MB to stay in memory; below that they spill to disk and run
 * ~1.5× slower. Local to the transaction (SET LOCAL), so nothing else on the server is affected.
 */
export const HEALTH_WORK_MEM = '128MB';

export interface HealthQuery {
  storeId: string;
  /** First UTC day, inclusive, YYYY-MM-DD. */
  from: string;
  /** Last UTC day, inclusive, YYYY-MM-DD. */
  to: string;
  /** Decides `settled`; defaults to the current time. */
  now?: Date;
}

export const rate = (n: number, d: number): Rate => (d > 0 ? n / d : null);

const EMPTY_TOTAL: OrderAggregateRow = {
  ...(Object.fromEntries(COUNT_COLUMNS.map((k) => [k, 0])) as CountRow),
  dim: 'total',
  seg: null,
};

/** Labels, not counts: never coerced. */
const TEXT_COLUMNS = new Set(['dim', 'seg', 'norm_by_code']);

/** Both drivers return int4 counts as numbers; this guards against one handing back strings. */
function ints<T extends object>(row: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = !TEXT_COLUMNS.has(k) && typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return out as T;
}

function causes(c: CountRow): Record<LostBrowserCause, number> {
  return {
    consent_denied: c.cause_consent_denied,
    ad_blocker: c.cause_ad_blocker,
    slow_page: c.cause_slow_page,
    no_confirmation_view: c.cause_no_confirmation_view,
    pixel_not_fired: c.cause_pixel_not_fired,
  };
}

function segmentRow(segment: string, c: CountRow): SegmentRow {
  return {
    segment,
    orders: c.orders,
    browser: c.browser,
    server: c.server,
    either: c.either,
    both: c.both,
    doubleCounts: c.double_counts,
    lostBothLegs: c.orders - c.either,
    lostBrowser: c.lost_browser,
    lostServer: c.lost_server,
    browserCoverage: rate(c.browser, c.orders),
    serverCoverage: rate(c.server, c.orders),
    eitherCoverage: rate(c.either, c.orders),
    bothCoverage: rate(c.both, c.orders),
    modelledGap: rate(c.orders - c.either - c.double_counts, c.orders),
    lostBrowserCauses: causes(c),
  };
}

const byFixedOrder = (order: readonly string[]) => (a: SegmentRow, b: SegmentRow) =>
  order.indexOf(a.segment) - order.indexOf(b.segment);
/** Largest first; "unknown" last; ties by name. */
const byOrdersDesc = (a: SegmentRow, b: SegmentRow) =>
  Number(a.segment === 'unknown') - Number(b.segment === 'unknown') || b.orders - a.orders || a.segment.localeCompare(b.segment);

function segments(rows: OrderAggregateRow[]): HealthSegments {
  const of = (dim: OrderAggregateRow['dim']) => rows.filter((r) => r.dim === dim).map((r) => segmentRow(r.seg ?? 'unknown', r));
  return {
    browser: of('browser').sort(byOrdersDesc),
    os: of('os').sort(byOrdersDesc),
    daysToConversion: of('days_to_conversion').sort(byFixedOrder(DAYS_TO_CONVERSION_BUCKETS)),
    pageLoad: of('page_load').sort(byFixedOrder(PAGE_LOAD_BUCKETS)),
  };
}

function reportedDetail(days: DailyCountRow[]): { reported: number | null; detail: ReportedDetail } {
  const fetched = days.filter((d) => d.total !== null);
  const sum = (pick: (d: DailyCountRow) => number | null) =>
    fetched.length ? fetched.reduce((acc, d) => acc + Number(pick(d) ?? 0), 0) : null;
  const missingDays = days.filter((d) => d.total === null).map((d) => d.day);
  return {
    reported: sum((d) => d.total),
    detail: {
      daysFetched: fetched.length,
      daysInWindow: days.length,
      missingDays,
      complete: missingDays.length === 0,
      browser: sum((d) => d.browser),
      server: sum((d) => d.server),
      attributed: sum((d) => d.attributed),
    },
  };
}

function normalization(t: EventAggregateRow): NormalizationSummary & { byCodeMap: Record<string, number> } {
  const byCodeMap = JSON.parse(t.norm_by_code || '{}') as Record<string, number>;
  const byCode = Object.entries(byCodeMap)
    .map(([code, events]) => ({ code, severity: lintSeverity(code), events: Number(events), rate: rate(Number(events), t.norm_events) }))
    .sort((a, b) => b.events - a.events || a.code.localeCompare(b.code));
  return {
    events: t.norm_events,
    eventsWithError: t.norm_events_with_error,
    eventsWithCode: t.norm_events_with_code,
    errorRate: rate(t.norm_events_with_error, t.norm_events),
    byCode,
    byCodeMap: Object.fromEntries(byCode.map((c) => [c.code, c.events])),
  };
}

/** 10 × Σ(w·coverage)/Σw over the keys; null when there is no server-leg purchase. */
export function matchQuality(coverage: Record<MatchKey, Rate>): number | null {
  let num = 0;
  let den = 0;
  for (const key of MATCH_KEYS) {
    const c = coverage[key];
    if (c === null) return null;
    num += MATCH_KEY_WEIGHTS[key] * c;
    den += MATCH_KEY_WEIGHTS[key];
  }
  return den > 0 ? (10 * num) / den : null;
}

/** The waterfall: orders → lost on both legs → double counted → unexplained → reported. */
export function buildBridge(
  orders: number,
  either: number,
  doubleCounts: number,
  unexplained: number | null,
  reported: number | null,
  detail?: Pick<ReportedDetail, 'complete' | 'daysFetched' | 'daysInWindow'>,
): BridgeStep[] {
  const reportedLabel =
    detail && !detail.complete && reported !== null ? `reported (${detail.daysFetched} of ${detail.daysInWindow} days)` : 'reported';
  const lost = either - orders; // not -(orders - either): no -0 when nothing is lost
  const afterLost = orders + lost;
  const afterDc = afterLost + doubleCounts;
  const afterUnexplained = unexplained === null ? null : afterDc + unexplained;
  return [
    { step: 'orders', label: 'orders', kind: 'total', value: orders, runningTotal: orders },
    { step: 'lost_both_legs', label: 'lost on both legs', kind: 'delta', value: lost, runningTotal: afterLost },
    { step: 'double_counted', label: 'double counted', kind: 'delta', value: doubleCounts, runningTotal: afterDc },
    { step: 'unexplained', label: 'unexplained', kind: 'delta', value: unexplained, runningTotal: afterUnexplained },
    { step: 'reported', label: reportedLabel, kind: 'total', value: reported, runningTotal: reported },
  ];
}

export async function computeHealth(db: Db, q: HealthQuery): Promise<HealthReport> {
  const { start, end } = windowBounds(q);
  const now = q.now ?? new Date();
  const params = { storeId: q.storeId, start, end, from: q.from, to: q.to };

  // One consistent snapshot of the data (a savepoint when the caller is already in a transaction).
  const { aggregates, events, days } = await db.transaction(
    async (tx) => {
      // Reporting queries over ~1M rows: sort and hash in memory rather than spill to disk, and skip
      // JIT compilation (seconds of overhead for one-off statements). Local to this transaction
      // (to the caller's, when computeHealth runs inside one, e.g. snapshotHealth).
      await tx.execute(sql`select set_config('work_mem', ${HEALTH_WORK_MEM}, true), set_config('jit', 'off', true)`);
      const aggregates = (await orderAggregates(tx, params)).map(ints);
      const events = ints(await eventAggregates(tx, params));
      const days = await dailyCounts(tx, params);
      return { aggregates, events, days };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );

  const c = aggregates.find((r) => r.dim === 'total') ?? EMPTY_TOTAL;
  const { reported, detail } = reportedDetail(days);
  const expected = c.either + c.double_counts;
  const comparable = reported !== null && detail.complete;
  const unexplained = comparable ? reported - expected : null;
  // 1 − R/|O|, written (|O| − R)/|O| so that exact ratios stay exact in floating point.
  const reportedGap = comparable ? rate(c.orders - reported, c.orders) : null;

  const keyCount: Record<MatchKey, number> = {
    email: c.key_email,
    phone: c.key_phone,
    external_id: c.key_external_id,
    ttclid: c.key_ttclid,
    ttp: c.key_ttp,
    ip: c.key_ip,
    user_agent: c.key_user_agent,
  };
  const keyCoverage = Object.fromEntries(MATCH_KEYS.map((k) => [k, rate(keyCount[k], c.server)])) as Record<MatchKey, Rate>;
  const norm = normalization(events);
  const { byCodeMap, ...normalizationSummary } = norm;
  const settled = isSettled(q.to, now);

  return {
    store: q.storeId,
    from: q.from,
    to: q.to,
    computedAt: now.toISOString(),
    settled,
    provisional: !settled,
    settlesAt: settlesAt(q.to).toISOString(),

    orders: c.orders,
    attributable: c.attributable,
    reported,
    reportedDetail: detail,
    reportedGap,

    browserCoverage: rate(c.browser, c.orders),
    serverCoverage: rate(c.server, c.orders),
    eitherCoverage: rate(c.either, c.orders),
    bothCoverage: rate(c.both, c.orders),
    dedupRate: rate(c.deduplicated, c.both),
    doubleCounts: c.double_counts,
    doubleCountReasons: {
      event_id_missing: c.dc_event_id_missing,
      event_id_mismatch: c.dc_event_id_mismatch,
      event_name_mismatch: c.dc_event_name_mismatch,
      outside_48h: c.dc_outside_48h,
    } satisfies Record<(typeof DOUBLE_COUNT_REASONS)[number], number>,
    expected,
    unexplained,
    bridge: buildBridge(c.orders, c.either, c.double_counts, unexplained, reported, detail),

    keyCoverage,
    ttclidCoverageAttributable: rate(c.attributable_server_ttclid, c.attributable_server),
    matchQualityEstimate: matchQuality(keyCoverage),

    normalizationErrors: byCodeMap,
    normalizationErrorRate: norm.errorRate,
    normalization: normalizationSummary,

    lostBrowserCauses: causes(c),
    weakMatches: { click_id_stripped: c.weak_click_id_stripped, cookie_truncated: c.weak_cookie_truncated },

    counts: {
      orders: c.orders,
      attributable: c.attributable,
      browser: c.browser,
      server: c.server,
      either: c.either,
      both: c.both,
      bothSameId: c.both_same_id,
      deduplicated: c.deduplicated,
      doubleCounts: c.double_counts,
      lostBothLegs: c.orders - c.either,
      lostBrowser: c.lost_browser,
      lostServer: c.lost_server,
      withBeacon: c.with_beacon,
      serverRejectedOnly: c.server_failed_only,
      serverEvents: events.norm_events,
      testServerEvents: events.norm_test_events,
      unlinkedServerEvents: events.unlinked_server,
      unlinkedBrowserEvents: events.unlinked_browser,
    },
    segments: segments(aggregates),
  };
}
