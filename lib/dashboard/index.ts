/**
 * What the dashboard shows, read from snapshots (never recomputed on a page view, so the
 * overview stays fast at any data size). Route handlers return these objects as JSON.
 */
import type { Db } from '@/db/client';
import { latestSnapshots, listSnapshots, getSnapshot } from '@/db/queries/health';
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

export function healthStatus(
  r: Pick<HealthReport, 'orders' | 'eitherCoverage' | 'browserCoverage' | 'dedupRate' | 'reportedGap'> | null,
): HealthStatus {
  if (!r || r.orders === 0) return 'no_data';
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

/** Every store with its latest rolling-7 snapshot (else its latest weekly one). */
export async function storesOverview(db: Db): Promise<{ stores: StoreGlance[] }> {
  const stores = await listStores(db);
  const glances = await Promise.all(
    stores.map(async (s): Promise<StoreGlance> => {
      const latest = await latestSnapshots(db, s.id);
      const snap = latest.find((l) => l.kind === 'rolling7') ?? latest.find((l) => l.kind === 'weekly');
      const r = (snap?.metrics ?? null) as HealthReport | null;
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
  );
  return { stores: glances };
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
  const weekly = (await listSnapshots(db, storeId, 'weekly', { limit: 26 })).reverse();
  const weeks = weekly.map((s): WeekPoint => {
    const r = s.metrics as HealthReport;
    return {
      from: s.windowFrom,
      to: s.windowTo,
      settled: s.settled,
      orders: r.orders,
      reported: r.reported,
      browserCoverage: r.browserCoverage,
      serverCoverage: r.serverCoverage,
      eitherCoverage: r.eitherCoverage,
      dedupRate: r.dedupRate,
      reportedGap: r.reportedGap,
      doubleCounts: r.doubleCounts,
    };
  });
  let report: HealthReport | null = null;
  if (selected) {
    const snap = (await getSnapshot(db, storeId, 'weekly', selected.from, selected.to)) ?? (await getSnapshot(db, storeId, 'adhoc', selected.from, selected.to));
    if (!snap) throw new AppError('not_found', `no snapshot for ${storeId} ${selected.from}..${selected.to}; run \`signalwatch reconcile --store ${storeId} --from ${selected.from} --to ${selected.to} --save\``);
    report = snap.metrics as HealthReport;
  } else if (weekly.length) {
    report = weekly[weekly.length - 1]!.metrics as HealthReport;
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
