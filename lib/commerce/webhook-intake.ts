/**
 * Shopify webhooks: verified against the store's current and previous secret, deduplicated on
 * X-Shopify-Webhook-Id, and applied in the same transaction that records the delivery, so a
 * 200 means the work is durable and a failure lets Shopify retry.
 */
import type { Db } from '@/db/client';
import { getStoreByShopDomain } from '@/db/queries/stores';
import { recordWebhookDelivery } from '@/db/queries/webhooks';
import { insertRelease } from '@/db/queries/releases';
import { getStoreSecret } from '@/lib/stores';
import { AppError } from '@/lib/http/errors';
import { ingestOrders } from './ingest';
import {
  isShopifyTestNotification,
  mapWebhookOrder,
  ORDER_TOPICS,
  parseThemePublish,
  readShopifyWebhookHeaders,
  verifyShopifyHmac,
} from './shopify/webhooks';

export interface WebhookOutcome {
  status: 'processed' | 'duplicate' | 'ignored';
  topic: string;
  detail?: string;
}

const REQUIRED = ['x-shopify-topic', 'x-shopify-hmac-sha256', 'x-shopify-shop-domain', 'x-shopify-webhook-id'];

export async function receiveShopifyWebhook(db: Db, headers: Headers, rawBody: Buffer): Promise<WebhookOutcome> {
  const missing = REQUIRED.filter((h) => !headers.get(h));
  if (missing.length) throw new AppError('bad_request', `missing Shopify webhook header(s): ${missing.join(', ')}`);
  const h = readShopifyWebhookHeaders(headers);
  const store = await getStoreByShopDomain(db, h.shopDomain);
  if (!store) throw new AppError('not_found', `no store has shop domain ${h.shopDomain}`);

  const secrets = (
    await Promise.all([getStoreSecret(db, store.id, 'shopify_webhook_secret'), getStoreSecret(db, store.id, 'shopify_webhook_secret_previous')])
  ).filter((s): s is string => Boolean(s));
  if (secrets.length === 0) throw new AppError('unauthorized', `store ${store.id} has no shopify_webhook_secret configured`);
  if (!verifyShopifyHmac(rawBody, h.hmac, secrets)) throw new AppError('unauthorized', 'HMAC signature does not match');

  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'webhook body is not valid JSON');
  }

  // Parse before the transaction: a payload we cannot use is a 400 and records nothing.
  const isOrderTopic = (ORDER_TOPICS as readonly string[]).includes(h.topic);
  const testNotification = isOrderTopic && isShopifyTestNotification(json);
  const order = isOrderTopic && !testNotification ? mapWebhookOrder(json) : undefined;
  const theme = h.topic === 'themes/publish' ? parseThemePublish(json) : undefined;

  return db.transaction(async (tx) => {
    const outcome: WebhookOutcome = order || theme ? { status: 'processed', topic: h.topic } : { status: 'ignored', topic: h.topic };
    if (testNotification) outcome.detail = 'admin test notification';
    else if (!order && !theme) outcome.detail = 'topic not used by Signalwatch';
    const fresh = await recordWebhookDelivery(tx, {
      storeId: store.id,
      platform: 'shopify',
      webhookId: h.webhookId,
      topic: h.topic,
      resourceId: order?.platformId ?? theme?.themeId ?? null,
      outcome: outcome.status,
    });
    if (!fresh) return { status: 'duplicate', topic: h.topic };
    if (order) await ingestOrders(tx, store, [order], 'shopify_webhook');
    if (theme) {
      await insertRelease(tx, {
        storeId: store.id,
        kind: 'theme_publish',
        name: theme.name,
        description: `Theme "${theme.name}" published`,
        source: 'shopify',
        releasedAt: h.triggeredAt ?? new Date(),
        externalRef: `theme:${theme.themeId}:${h.eventId ?? h.webhookId}`,
      });
    }
    return outcome;
  });
}
