/**
 * What the dashboard shows, read from snapshots (never recomputed on a page view, so the
 * overview stays fast at any data size). Route handlers return these objects as JSON.
 */
import type { Db } from '@/db/client';
import { getSnapshot, latestSummaryPerStore, listSnapshotSummaries } from '@/db/queries/health';
import { listReleases } from '@/db/queries/releases';
import { listStores } from '@/db/queries/stores';
import type { HealthReport } from '@/lib/health';
import { requireStore, storeView, type StoreView } from '@/lib/stores';
import { AppError } from '@/lib/http/errors';

export type HealthStatus = 'healthy' | 'warning' | 'critical' | 'no_data';

/**
 * At-a-glance thresholds: coverage of either leg and of the browser leg alone (ad blockers keep
 * a healthy pixel near 70–80%), dedup of orders on both legs, and |reported gap|.
 */
const THRESHOLDS = {
  critical: { eitherCoverage: 0.85, browserCoverage: 0.4, dedupRate: 0.8, gap: 0.25 },
  warning: { eitherCoverage: 0.95, browserCoverage: 0.6, dedupRate: 0.9, gap: 0.1 },
};

type StatusFields = 'orders' | 'eitherCoverage' | 'browserCoverage' | 'dedupRate' | 'reportedGap';

/** From a full report or a snapshot summary (which may lack a field as null). */
export function healthStatus(r: { [K in StatusFields]: number | null } | null): HealthStatus {
  if (!r || !r.orders) return 'no_data';
  const breaches = (t: typeof THRESHOLDS.warning) =>
    (r.eitherCoverage !== null && r.eitherCoverage < t.eitherCoverage) ||
    (r.browserCoverage !== null && r.browserCoverage < t.browserCoverage) ||
    (r.dedupRate !== null && r.dedupRate < t.dedupRate) ||
    (r.reportedGap !== null && Math.abs(r.reportedGap) > t.gap);
  if (breaches(THRESHOLDS.critical)) return 'critical';
  if (breaches(THRESHOLDS.warning)) return 'warning';
  return 'healthy';
}

export interface StoreGlance {
  store: StoreView;
  status: HealthStatus;
  window: { kind: string; from: string; to: string; settled: boolean } | null;
  orders: number | null;
  reported: number | null;
  reportedGap: number | null;
  eitherCoverage: number | null;
  dedupRate: number | null;
  doubleCounts: number | null;
  matchQualityEstimate: number | null;
}

/** Every store with its latest rolling-7 snapshot (else its latest weekly one): two queries in all. */
export async function storesOverview(db: Db): Promise<{ stores: StoreGlance[] }> {
  const [stores, latest] = await Promise.all([listStores(db), latestSummaryPerStore(db, ['rolling7', 'weekly'])]);
  const byStore = new Map(latest.map((l) => [l.storeId, l]));
  return {
    stores: stores.map((s): StoreGlance => {
      const snap = byStore.get(s.id);
      const r = snap?.summary ?? null;
      return {
        store: storeView(s),
        status: healthStatus(r),
        window: snap ? { kind: snap.kind, from: snap.windowFrom, to: snap.windowTo, settled: snap.settled } : null,
        orders: r?.orders ?? null,
        reported: r?.reported ?? null,
        reportedGap: r?.reportedGap ?? null,
        eitherCoverage: r?.eitherCoverage ?? null,
        dedupRate: r?.dedupRate ?? null,
        doubleCounts: r?.doubleCounts ?? null,
        matchQualityEstimate: r?.matchQualityEstimate ?? null,
      };
    }),
  };
}

export interface WeekPoint {
  from: string;
  to: string;
  settled: boolean;
  orders: number;
  reported: number | null;
  browserCoverage: number | null;
  serverCoverage: number | null;
  eitherCoverage: number | null;
  dedupRate: number | null;
  reportedGap: number | null;
  doubleCounts: number;
}

export interface StoreDashboard {
  store: StoreView;
  weeks: WeekPoint[];
  releases: { id: number; kind: string; name: string; releasedAt: string; description: string | null }[];
  /** The selected week's full report (default: the latest weekly snapshot). */
  report: HealthReport | null;
}

/** Weekly trends, release markers and one week's full report for a store. */
export async function storeDashboard(db: Db, storeId: string, selected?: { from: string; to: string }): Promise<StoreDashboard> {
  const store = await requireStore(db, storeId);
  // Summaries for the trend; the full report only for the one week shown.
  const weekly = (await listSnapshotSummaries(db, storeId, 'weekly', { limit: 26 })).reverse();
  const weeks = weekly.map(({ windowFrom, windowTo, settled, summary: r }): WeekPoint => ({
    from: windowFrom,
    to: windowTo,
    settled,
    orders: r.orders ?? 0,
    reported: r.reported,
    browserCoverage: r.browserCoverage,
    serverCoverage: r.serverCoverage,
    eitherCoverage: r.eitherCoverage,
    dedupRate: r.dedupRate,
    reportedGap: r.reportedGap,
    doubleCounts: r.doubleCounts ?? 0,
  }));
  const shown = selected ?? (weekly.length ? { from: weekly[weekly.length - 1]!.windowFrom, to: weekly[weekly.length - 1]!.windowTo } : null);
  let report: HealthReport | null = null;
  if (shown) {
    const snap = (await getSnapshot(db, storeId, 'weekly', shown.from, shown.to)) ?? (await getSnapshot(db, storeId, 'adhoc', shown.from, shown.to));
    if (!snap) throw new AppError('not_found', `no snapshot for ${storeId} ${shown.from}..${shown.to}; run \`signalwatch reconcile --store ${storeId} --from ${shown.from} --to ${shown.to} --save\``);
    report = snap.metrics as HealthReport;
  }
  const releases = (await listReleases(db, storeId)).map((r) => ({
    id: r.id,
    kind: r.kind,
    name: r.name,
    releasedAt: r.releasedAt.toISOString(),
    description: r.description,
  }));
  return { store: storeView(store), weeks, releases, report };
}
