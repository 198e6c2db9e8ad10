import { sql } from 'drizzle-orm';
import { listStores } from '@/db/queries/stores';
import { snapshotHealth, snapshotWindow } from '@/lib/health';
import type { JobDefinition } from './types';

function snapshotJob(kind: 'weekly' | 'rolling7', spec: Pick<JobDefinition, 'name' | 'description' | 'cron' | 'catchUp'>): JobDefinition {
  return {
    ...spec,
    async run({ db, now, log }) {
      // PGlite has no autovacuum: without fresh statistics the engine's plans are ~50x slower.
      await db.execute(sql`analyze orders, browser_events, server_events, tiktok_daily_counts`);
      const window = snapshotWindow(kind, now);
      let stores = 0;
      for (const store of await listStores(db)) {
        await snapshotHealth(db, { storeId: store.id, kind, from: window.from, to: window.to, now });
        stores++;
      }
      log(`${kind} ${window.from}..${window.to} for ${stores} store(s)`);
      return { stores };
    },
  };
}

/** The weekly reconciliation: every Thursday 06:00 UTC, the previous ISO week (settled by then). */
export const weeklyReconciliation = snapshotJob('weekly', {
  name: 'weekly-reconciliation',
  description: 'Reconcile the previous ISO week for every store (Thursdays 06:00 UTC)',
  cron: '0 6 * * 4',
  // Each fire reconciles its own week: a two-week outage must not leave a week without its report.
  catchUp: 'every',
});

/** The rolling 7-day snapshot: the seven whole UTC days ending yesterday. */
export const dailySnapshot = snapshotJob('rolling7', {
  name: 'daily-snapshot',
  description: 'Snapshot the rolling 7 days ending yesterday for every store',
  cron: '30 6 * * *',
});
