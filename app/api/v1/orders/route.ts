import { z } from 'zod';
import { database } from '@/lib/config/database';
import { importOrderRows, MAX_ORDERS_PER_REQUEST } from '@/lib/commerce/import';
import { storeForBearer } from '@/lib/stores';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

const body = z.object({ orders: z.array(z.unknown()).min(1, 'at least one order') });

/** Orders from any platform: bad rows are reported by index, good rows kept. */
export const POST = route({ body }, async ({ req, body }) => {
  const { db } = await database();
  const store = await storeForBearer(db, req.headers.get('authorization'));
  return importOrderRows(db, store, body.orders, { source: 'api', max: MAX_ORDERS_PER_REQUEST });
});
