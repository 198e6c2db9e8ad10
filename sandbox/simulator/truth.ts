/**
 * The ground truth of a window, computed in plain TypeScript from the simulator's records — the
 * numbers a correct health engine must report (DESIGN.md §4), written without lib/health.
 */
import { SIM_LOST_CAUSES, SIM_MATCH_KEYS, type SimLostCause, type SimMatchKey, type SimulatedOrder } from './types';

const DAY_MS = 86_400_000;

export interface TruthWindow {
  /** First UTC day, inclusive. */
  from: string;
  /** Last UTC day, inclusive. */
  to: string;
}

export interface WindowTruth {
  from: string;
  to: string;
  orders: number;
  attributable: number;
  browser: number;
  server: number;
  either: number;
  both: number;
  bothSameId: number;
  deduplicated: number;
  doubleCounts: number;
  doubleCountReasons: Record<'event_id_missing' | 'event_id_mismatch' | 'event_name_mismatch' | 'outside_48h', number>;
  lostBothLegs: number;
  lostBrowser: number;
  lostServer: number;
  /** |B ∪ S| + double counts. */
  expected: number;
  /** What TikTok counted on the window's days (by event time), of every order of the store. */
  reported: number;
  reportedBrowser: number;
  reportedServer: number;
  reportedAttributed: number;
  unexplained: number;
  reportedGap: number | null;
  browserCoverage: number | null;
  serverCoverage: number | null;
  eitherCoverage: number | null;
  bothCoverage: number | null;
  dedupRate: number | null;
  /** Numerators of key coverage over S (one server-leg purchase per order). */
  keyCounts: Record<SimMatchKey, number>;
  keyCoverage: Record<SimMatchKey, number | null>;
  attributableServer: number;
  attributableServerTtclid: number;
  ttclidCoverageAttributable: number | null;
  /** True causes of orders in O without a browser leg (all of them, observable or not). */
  lostBrowserCauses: Record<SimLostCause, number>;
  /** Lost-browser orders whose cause the beacon (or its absence) can show. */
  observableLost: number;
  /** Weak matches that really happened, among orders with a browser leg. */
  weak: { clickIdStripped: number; cookieTruncated: number };
  /** Phones TikTok cannot match although a valid hash was sent (Meta-style, no '+'). */
  phonesWithoutPlus: number;
  /** Orders of O, for per-order comparisons. */
  inWindow: SimulatedOrder[];
}

const rate = (n: number, d: number) => (d > 0 ? n / d : null);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

export function truthForWindow(orders: readonly SimulatedOrder[], w: TruthWindow): WindowTruth {
  const start = dayStart(w.from);
  const end = dayStart(w.to) + DAY_MS;
  const startSec = start / 1000;
  const endSec = end / 1000;
  const inWindow = orders.filter((o) => o.truth.inScope && o.processedAt.getTime() >= start && o.processedAt.getTime() < end);

  const count = (pred: (o: SimulatedOrder) => boolean) => inWindow.reduce((n, o) => n + (pred(o) ? 1 : 0), 0);
  const browser = count((o) => o.truth.browserFired);
  const server = count((o) => o.truth.serverFired);
  const either = count((o) => o.truth.browserFired || o.truth.serverFired);
  const both = count((o) => o.truth.browserFired && o.truth.serverFired);
  const deduplicated = count((o) => o.truth.deduplicated === true);
  const doubleCounts = count((o) => o.truth.doubleCounted);
  const reasons = { event_id_missing: 0, event_id_mismatch: 0, event_name_mismatch: 0, outside_48h: 0 };
  for (const o of inWindow) if (o.truth.doubleCountReason) reasons[o.truth.doubleCountReason]++;

  let reported = 0;
  let reportedBrowser = 0;
  let reportedServer = 0;
  let reportedAttributed = 0;
  for (const o of orders) {
    for (const c of o.truth.tiktokCounted) {
      if (c.eventTime < startSec || c.eventTime >= endSec) continue;
      reported++;
      if (c.leg === 'browser') reportedBrowser++;
      else reportedServer++;
      if (c.attributed) reportedAttributed++;
    }
  }

  const keyCounts = Object.fromEntries(SIM_MATCH_KEYS.map((k) => [k, count((o) => o.truth.serverFired && o.truth.keys[k])])) as Record<
    SimMatchKey,
    number
  >;
  const attributableServer = count((o) => o.truth.attributable && o.truth.serverFired);
  const attributableServerTtclid = count((o) => o.truth.attributable && o.truth.serverFired && o.truth.keys.ttclid);
  const lostBrowserCauses = Object.fromEntries(SIM_LOST_CAUSES.map((c) => [c, 0])) as Record<SimLostCause, number>;
  for (const o of inWindow) if (!o.truth.browserFired && o.truth.lostCause) lostBrowserCauses[o.truth.lostCause]++;
  const expected = either + doubleCounts;
  const orderCount = inWindow.length;

  return {
    from: w.from,
    to: w.to,
    orders: orderCount,
    attributable: count((o) => o.truth.attributable),
    browser,
    server,
    either,
    both,
    bothSameId: count((o) => o.truth.sameEventId === true),
    deduplicated,
    doubleCounts,
    doubleCountReasons: reasons,
    lostBothLegs: orderCount - either,
    lostBrowser: orderCount - browser,
    lostServer: orderCount - server,
    expected,
    reported,
    reportedBrowser,
    reportedServer,
    reportedAttributed,
    unexplained: reported - expected,
    reportedGap: rate(orderCount - reported, orderCount),
    browserCoverage: rate(browser, orderCount),
    serverCoverage: rate(server, orderCount),
    eitherCoverage: rate(either, orderCount),
    bothCoverage: rate(both, orderCount),
    dedupRate: rate(deduplicated, both),
    keyCounts,
    keyCoverage: Object.fromEntries(SIM_MATCH_KEYS.map((k) => [k, rate(keyCounts[k], server)])) as Record<SimMatchKey, number | null>,
    attributableServer,
    attributableServerTtclid,
    ttclidCoverageAttributable: rate(attributableServerTtclid, attributableServer),
    lostBrowserCauses,
    observableLost: count((o) => !o.truth.browserFired && o.truth.causeObservable),
    weak: {
      clickIdStripped: count((o) => o.truth.browserFired && o.truth.weak.clickIdStripped),
      cookieTruncated: count((o) => o.truth.browserFired && o.truth.weak.cookieTruncated),
    },
    phonesWithoutPlus: count((o) => o.truth.phoneWithoutPlus),
    inWindow,
  };
}

/** The UTC days [from, to] of the whole simulation (the last day is the one before `end`). */
export function simulationWindow(shop: { start: Date; end: Date }): TruthWindow {
  return { from: shop.start.toISOString().slice(0, 10), to: new Date(shop.end.getTime() - 1).toISOString().slice(0, 10) };
}
