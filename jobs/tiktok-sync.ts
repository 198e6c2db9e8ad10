import { listStores } from '@/db/queries/stores';
import { env } from '@/lib/config/env';
import { readTikTokSyncSettings, syncTikTokCounts, utcDay } from '@/lib/tiktok/counts-sync';
import type { JobDefinition } from './types';

const DAY_MS = 86_400_000;
/** TikTok's counts keep moving for days (refresh every 2–4 h, 72 h to settle): re-read the last week. */
export const TIKTOK_SYNC_DAYS = 7;

/** What TikTok counted, for every store that can read it: the last 7 UTC days, today included. */
export const tiktokSync: JobDefinition = {
  name: 'tiktok-sync',
  description: "Read TikTok's daily purchase counts (pixel event stats) for the last 7 UTC days",
  cron: '15 */6 * * *',
  async run({ db, now, log, tiktokBaseUrl }) {
    const baseUrl = tiktokBaseUrl ?? env().TIKTOK_API_BASE_URL;
    const to = utcDay(now);
    const from = utcDay(new Date(now.getTime() - (TIKTOK_SYNC_DAYS - 1) * DAY_MS));
    const totals = { stores: 0, notConfigured: 0, days: 0, fetched: 0, failedDays: 0, failedStores: 0 };
    for (const store of await listStores(db)) {
      // A store that does not track TikTok counts (yet) is not a failure of the job.
      if ((await readTikTokSyncSettings(db, store)).missing.length) {
        totals.notConfigured++;
        continue;
      }
      totals.stores++;
      try {
        // fetched_at is when the numbers were really read: a caught-up fire runs after its fire time.
        // The fire time still wins when it is later than the wall clock (a simulated clock, the demo).
        const clock = new Date(Math.max(now.getTime(), Date.now()));
        const summary = await syncTikTokCounts(db, store, { from, to, baseUrl, now: clock });
        totals.days += summary.days;
        totals.fetched += summary.fetched;
        totals.failedDays += summary.failedDays.length;
        if (summary.failedDays.length) {
          log(`${store.id}: not fetched (the next run retries): ${summary.failedDays.map((f) => `${f.day}: ${f.reason}`).join('; ')}`);
        }
      } catch (err) {
        totals.failedStores++;
        log(`${store.id}: ${(err as Error).message}`);
      }
    }
    if (totals.failedStores) throw new Error(`${totals.failedStores} of ${totals.stores} store(s) failed to sync TikTok counts`);
    return totals;
  },
};
