/**
 * The health report of one store over one window: the `signalwatch reconcile --json` output and
 * the `metrics` of a health snapshot. Rates are fractions 0–1, counts integers, and `null` marks a
 * value that is undefined (a rate over an empty set, a count TikTok never reported).
 * Definitions: docs/metrics.md.
 */
import type { DoubleCountReason, LostBrowserCause, MatchKey, WeakMatchKind } from './definitions';

export type Rate = number | null;

export interface BridgeStep {
  /** Machine name: orders, lost_both_legs, double_counted, unexplained, reported. */
  step: 'orders' | 'lost_both_legs' | 'double_counted' | 'unexplained' | 'reported';
  label: string;
  /** `total` bars stand on zero; `delta` bars move the running total. */
  kind: 'total' | 'delta';
  /** The bar's value: a total, or a signed change (lost is negative). null when unknown. */
  value: number | null;
  /** The running total after this step (null once a step is unknown). */
  runningTotal: number | null;
}

export interface HealthCounts {
  /** |O| and |A|. */
  orders: number;
  attributable: number;
  /** Orders with a browser-leg purchase (B), a server-leg purchase (S), either, both. */
  browser: number;
  server: number;
  either: number;
  both: number;
  /** Orders on both legs whose first events carry the same event_id. */
  bothSameId: number;
  /** Orders on both legs that TikTok deduplicates (same event_id and name, ≤ 48 h apart). */
  deduplicated: number;
  doubleCounts: number;
  /** Orders with no purchase on either leg (|O| − |B ∪ S|). */
  lostBothLegs: number;
  lostBrowser: number;
  lostServer: number;
  /** Orders with at least one beacon (any beacon, leg or not). */
  withBeacon: number;
  /** Orders whose live server purchase events were all rejected by TikTok or dead in the outbox. */
  serverRejectedOnly: number;
  /** Live (non-test) server purchase events of orders in O, any delivery: the normalization base. */
  serverEvents: number;
  /** Server purchase events of orders in O carrying a test_event_code (excluded everywhere). */
  testServerEvents: number;
  /** Purchase events in the window linked to no order of the store (cannot be reconciled). */
  unlinkedServerEvents: number;
  unlinkedBrowserEvents: number;
}

export interface NormalizationSummary {
  /** Server purchase events examined (live, of orders in O, any delivery state). */
  events: number;
  /** Events with at least one error-severity lint code. */
  eventsWithError: number;
  /** Events with any lint code (errors or warnings). */
  eventsWithCode: number;
  /** eventsWithError / events. */
  errorRate: Rate;
  byCode: { code: string; severity: 'error' | 'warning'; events: number; rate: Rate }[];
}

export interface ReportedDetail {
  /** Days TikTok's count was fetched for / days in the window. */
  daysFetched: number;
  daysInWindow: number;
  missingDays: string[];
  /** All days fetched: only then are reportedGap and unexplained computed. */
  complete: boolean;
  /** TikTok's browser / server / attributed split over the fetched days. */
  browser: number | null;
  server: number | null;
  attributed: number | null;
}

export interface SegmentRow {
  segment: string;
  orders: number;
  browser: number;
  server: number;
  either: number;
  both: number;
  doubleCounts: number;
  lostBothLegs: number;
  lostBrowser: number;
  lostServer: number;
  browserCoverage: Rate;
  serverCoverage: Rate;
  eitherCoverage: Rate;
  bothCoverage: Rate;
  /**
   * The gap the legs predict for this segment: 1 − (|B ∪ S| + double counts) / orders. TikTok's
   * counts are not split by segment, so this leaves out `unexplained`.
   */
  modelledGap: Rate;
  lostBrowserCauses: Record<LostBrowserCause, number>;
}

export interface HealthSegments {
  browser: SegmentRow[];
  /** OS with major version, e.g. "iOS 17". */
  os: SegmentRow[];
  /** 0, 1-6, 7-29, 30+, unknown. */
  daysToConversion: SegmentRow[];
  /** <2s, 2-5s, >5s, unknown (beacon without timing), no beacon. */
  pageLoad: SegmentRow[];
}

export interface HealthReport {
  store: string;
  /** Window, whole UTC days, both inclusive. */
  from: string;
  to: string;
  /** When the report was computed (the `now` it was computed for). */
  computedAt: string;
  /** The window's end is ≥ 72 h old: TikTok's counts are final. */
  settled: boolean;
  provisional: boolean;
  /** When the window settles. */
  settlesAt: string;

  orders: number;
  attributable: number;
  /** TikTok's purchase count summed over the fetched days; null when no day was fetched. */
  reported: number | null;
  reportedDetail: ReportedDetail;
  /** 1 − R/|O|; null without orders or with a day of TikTok counts missing. */
  reportedGap: Rate;

  browserCoverage: Rate;
  serverCoverage: Rate;
  eitherCoverage: Rate;
  bothCoverage: Rate;
  /** deduplicated / both. */
  dedupRate: Rate;
  doubleCounts: number;
  doubleCountReasons: Record<DoubleCountReason, number>;
  /** |B ∪ S| + double counts. */
  expected: number;
  /** R − expected; null when R is incomplete. */
  unexplained: number | null;
  bridge: BridgeStep[];

  /** Share of server-leg purchases (one per order) carrying each key; null without any. */
  keyCoverage: Record<MatchKey, Rate>;
  /** ttclid share among server-leg purchases of TikTok-attributable orders. */
  ttclidCoverageAttributable: Rate;
  /** 0–10 weighted mean of key coverage. An estimate: TikTok does not publish its weights. */
  matchQualityEstimate: number | null;

  /** Lint code → number of server purchase events carrying it. */
  normalizationErrors: Record<string, number>;
  normalizationErrorRate: Rate;
  normalization: NormalizationSummary;

  /** Orders in O without a browser leg, one cause each (they add up to counts.lostBrowser). */
  lostBrowserCauses: Record<LostBrowserCause, number>;
  /** Orders with a browser leg at risk of a weak match (an order can be in both). */
  weakMatches: Record<WeakMatchKind, number>;

  counts: HealthCounts;
  segments: HealthSegments;
}
