import { listStores } from '@/db/queries/stores';
import { purgeOrderPii } from '@/db/queries/orders';
import { pruneJobRuns } from '@/db/queries/job-runs';
import type { JobDefinition } from './types';

const DAY_MS = 86_400_000;

/** Nulls order hashes, IP, UA, ttclid and ttp past each store's retention period (DESIGN.md §7). */
export const retentionPurge: JobDefinition = {
  name: 'retention-purge',
  description: "Null hashed keys, IP and user agent of orders older than each store's retention period",
  cron: '20 3 * * *',
  async run({ db, now, log }) {
    let purged = 0;
    for (const store of await listStores(db)) {
      const n = await purgeOrderPii(db, store.id, new Date(now.getTime() - store.retentionDays * DAY_MS));
      if (n) log(`${store.id}: purged personal data of ${n} order(s)`);
      purged += n;
    }
    const prunedRuns = await pruneJobRuns(db, new Date(now.getTime() - 90 * DAY_MS));
    return { purged, prunedRuns };
  },
};
