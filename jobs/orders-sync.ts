import { listStores } from '@/db/queries/stores';
import { syncStoreOrders } from '@/lib/commerce/sync';
import { AppError } from '@/lib/http/errors';
import type { JobDefinition } from './types';

/** Incremental order pull for every store on a platform with an API. */
export const ordersSync: JobDefinition = {
  name: 'orders-sync',
  description: 'Pull orders changed since the last run from Shopify / WooCommerce',
  cron: '5 * * * *',
  async run({ db, now, log }) {
    const totals = { stores: 0, fetched: 0, new: 0, updated: 0, notConfigured: 0, failedStores: 0 };
    for (const store of await listStores(db)) {
      if (store.platform === 'custom') continue;
      totals.stores++;
      try {
        const s = await syncStoreOrders(db, store, { now });
        totals.fetched += s.fetched;
        totals.new += s.new;
        totals.updated += s.updated;
        if (s.incomplete.length) log(`${store.id}: incomplete: ${s.incomplete.map((i) => `${i.scope}: ${i.reason}`).join('; ')}`);
      } catch (err) {
        // A store without platform credentials is not a failure of the job.
        if (err instanceof AppError && err.code === 'bad_request') {
          totals.notConfigured++;
          continue;
        }
        totals.failedStores++;
        log(`${store.id}: ${(err as Error).message}`);
      }
    }
    if (totals.failedStores) throw new Error(`${totals.failedStores} of ${totals.stores} store(s) failed to sync`);
    return totals;
  },
};
