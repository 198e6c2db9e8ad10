import { database } from '@/lib/config/database';
import { receiveShopifyWebhook } from '@/lib/commerce/webhook-intake';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Raw bytes matter: the HMAC is over the body exactly as sent. */
export const POST = route({}, async ({ req }) =>
  receiveShopifyWebhook((await database()).db, req.headers, Buffer.from(await req.arrayBuffer())),
);
