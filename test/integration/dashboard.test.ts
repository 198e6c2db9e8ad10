/**
 * The dashboard's read side: the overview picks each store's newest rolling-7 snapshot (else
 * weekly) in one query, and the store page plots summaries while returning one full report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { stores } from '@/db/schema';
import { storeDashboard, storesOverview } from '@/lib/dashboard';
import { computeHealth, saveSnapshot, type HealthReport, type SnapshotKind } from '@/lib/health';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-03-01T00:00:00Z');

async function addStore(db: Db, id: string) {
  await db.insert(stores).values({ id, name: id, platform: 'custom', timezone: 'UTC', currency: 'USD', publicKey: `pk_${id}` });
}

/** A real (empty) report for the window, with the headline numbers set as given. */
async function save(db: Db, storeId: string, kind: SnapshotKind, from: string, to: string, numbers: Partial<HealthReport>) {
  const report = { ...(await computeHealth(db, { storeId, from, to, now: NOW })), ...numbers };
  await saveSnapshot(db, { storeId, kind, from, to, report });
  return report;
}

const healthy = { orders: 100, reported: 98, reportedGap: 0.02, eitherCoverage: 0.99, browserCoverage: 0.8, serverCoverage: 0.97, dedupRate: 0.95, doubleCounts: 2 };

describe.each(testTargets())('dashboard reads on %s', (target) => {
  let t: TestDatabase;
  const reports: Record<string, HealthReport> = {};

  beforeAll(async () => {
    t = await createTestDatabase(target);
    for (const id of ['alpha', 'beta', 'gamma', 'delta']) await addStore(t.db, id);
    // alpha: two weeks and a rolling-7 (the rolling-7 wins); beta: two weeks (the newer wins);
    // gamma: nothing; delta: only an ad-hoc window (not shown on the overview).
    reports.alphaW1 = await save(t.db, 'alpha', 'weekly', '2026-02-09', '2026-02-15', { ...healthy, orders: 90 });
    reports.alphaW2 = await save(t.db, 'alpha', 'weekly', '2026-02-16', '2026-02-22', { ...healthy, orders: 110 });
    reports.alphaR7 = await save(t.db, 'alpha', 'rolling7', '2026-02-22', '2026-02-28', { ...healthy, orders: 120, eitherCoverage: 0.8 });
    reports.betaW2 = await save(t.db, 'beta', 'weekly', '2026-02-16', '2026-02-22', { ...healthy, orders: 70, dedupRate: 0.85 });
    reports.betaW1 = await save(t.db, 'beta', 'weekly', '2026-02-09', '2026-02-15', { ...healthy, orders: 60 });
    reports.deltaAdhoc = await save(t.db, 'delta', 'adhoc', '2026-02-01', '2026-02-20', { ...healthy, orders: 5 });
  });
  afterAll(async () => t?.cleanup());

  it('shows each store with its newest rolling-7 snapshot, else its newest weekly one', async () => {
    const { stores: glances } = await storesOverview(t.db);
    const by = Object.fromEntries(glances.map((g) => [g.store.id, g]));
    expect(Object.keys(by).sort()).toEqual(['alpha', 'beta', 'delta', 'gamma']);

    expect(by.alpha).toMatchObject({
      window: { kind: 'rolling7', from: '2026-02-22', to: '2026-02-28' },
      orders: 120,
      eitherCoverage: 0.8,
      status: 'critical', // either-leg coverage under 85 %
    });
    expect(by.beta).toMatchObject({
      window: { kind: 'weekly', from: '2026-02-16', to: '2026-02-22' },
      orders: 70,
      reported: 98,
      reportedGap: 0.02,
      dedupRate: 0.85,
      doubleCounts: 2,
      status: 'warning', // dedup under 90 %
    });
    expect(by.gamma).toMatchObject({ window: null, orders: null, status: 'no_data' });
    expect(by.delta).toMatchObject({ window: null, status: 'no_data' });
  });

  it('plots weekly summaries oldest first and returns the newest week in full', async () => {
    const d = await storeDashboard(t.db, 'alpha');
    expect(d.weeks.map((w) => [w.from, w.orders, w.eitherCoverage, w.dedupRate])).toEqual([
      ['2026-02-09', 90, 0.99, 0.95],
      ['2026-02-16', 110, 0.99, 0.95],
    ]);
    expect(d.report).toEqual(reports.alphaW2);

    const w1 = await storeDashboard(t.db, 'alpha', { from: '2026-02-09', to: '2026-02-15' });
    expect(w1.report).toEqual(reports.alphaW1);
    const adhoc = await storeDashboard(t.db, 'delta', { from: '2026-02-01', to: '2026-02-20' });
    expect(adhoc.weeks).toEqual([]);
    expect(adhoc.report).toEqual(reports.deltaAdhoc);
  });

  it('answers a store without snapshots with no report, and a missing week with not_found', async () => {
    const empty = await storeDashboard(t.db, 'gamma');
    expect(empty).toMatchObject({ weeks: [], report: null });
    await expect(storeDashboard(t.db, 'beta', { from: '2026-01-05', to: '2026-01-11' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(storeDashboard(t.db, 'nope')).rejects.toMatchObject({ code: 'not_found' });
  });
});
