/**
 * Shopify webhooks: verified against the store's current and previous secret, deduplicated on
 * X-Shopify-Webhook-Id, and applied in the same statement (or transaction) that records the
 * delivery, so a 200 means the work is durable and a failure lets Shopify retry.
 */
import type { Db } from '@/db/client';
import { getStoreByShopDomain, type Store } from '@/db/queries/stores';
import { recordWebhookDelivery, recordWebhookDeliveryWithOrders } from '@/db/queries/webhooks';
import { insertRelease } from '@/db/queries/releases';
import { getStoreSecret, onStoreChanged } from '@/lib/stores';
import { TtlCache } from '@/lib/stores/cache';
import { AppError } from '@/lib/http/errors';
import { toOrderRow } from './ingest';
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

// ── Store and decrypted secrets by shop domain, cached in process ─────────────────────────────────
// Looking them up took 3 of a webhook's 7 statements plus two AES-GCM decrypts. A change made in
// this process (lib/stores, e.g. the CLI run by the app) clears the cache at once. Otherwise
// (another process on the same Postgres) entries are kept for 30 s: a store setting changed
// meanwhile (phone country, shop domain) applies within 30 s, and a
// removed secret is still accepted for up to 30 s (Shopify's previous secret is accepted for an
// hour after a rotation anyway). A NEW secret applies at once: a signature that does not verify
// against the cached secrets reloads them first (at most once a second per shop, so forged
// requests cannot turn into a query each). Unknown shop domains are remembered for 1 s only.
const AUTH_TTL_MS = 30_000;
const RELOAD_AFTER_MS = 1_000;

interface ShopAuth {
  store: Store;
  secrets: string[];
}

const authCaches = new WeakMap<Db, TtlCache<ShopAuth>>();
let clock = () => Date.now();

async function loadShopAuth(db: Db, shopDomain: string): Promise<ShopAuth | null> {
  const store = await getStoreByShopDomain(db, shopDomain);
  if (!store) return null;
  const secrets = (
    await Promise.all([getStoreSecret(db, store.id, 'shopify_webhook_secret'), getStoreSecret(db, store.id, 'shopify_webhook_secret_previous')])
  ).filter((s): s is string => Boolean(s));
  return { store, secrets };
}

function authCache(db: Db): TtlCache<ShopAuth> {
  let cache = authCaches.get(db);
  if (!cache) {
    cache = new TtlCache((domain) => loadShopAuth(db, domain), { ttlMs: AUTH_TTL_MS, negativeTtlMs: RELOAD_AFTER_MS, clock: () => clock() });
    authCaches.set(db, cache);
  }
  return cache;
}

/** For tests, and for code that changes stores or secrets in this process and wants it seen at once. */
export const webhookAuthCache = {
  clear: (db: Db) => void authCaches.delete(db),
  setClock(fn: () => number) {
    clock = fn;
  },
};

onStoreChanged((db) => webhookAuthCache.clear(db));

export async function receiveShopifyWebhook(db: Db, headers: Headers, rawBody: Buffer): Promise<WebhookOutcome> {
  const missing = REQUIRED.filter((h) => !headers.get(h));
  if (missing.length) throw new AppError('bad_request', `missing Shopify webhook header(s): ${missing.join(', ')}`);
  const h = readShopifyWebhookHeaders(headers);
  const domain = h.shopDomain.toLowerCase();
  const cache = authCache(db);
  let auth = await cache.get(domain);
  // A signature the cached secrets do not verify may be signed with a secret set since: reload once.
  if (auth && !verifyShopifyHmac(rawBody, h.hmac, auth.secrets) && cache.forgetIfOlderThan(domain, RELOAD_AFTER_MS)) auth = await cache.get(domain);
  if (!auth) throw new AppError('not_found', `no store has shop domain ${h.shopDomain}`);
  const { store, secrets } = auth;
  if (secrets.length === 0) throw new AppError('unauthorized', `store ${store.id} has no shopify_webhook_secret configured`);
  if (!verifyShopifyHmac(rawBody, h.hmac, secrets)) throw new AppError('unauthorized', 'HMAC signature does not match');

  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'webhook body is not valid JSON');
  }

  // Parse before writing: a payload we cannot use is a 400 and records nothing.
  const isOrderTopic = (ORDER_TOPICS as readonly string[]).includes(h.topic);
  const testNotification = isOrderTopic && isShopifyTestNotification(json);
  const order = isOrderTopic && !testNotification ? mapWebhookOrder(json) : undefined;
  const theme = h.topic === 'themes/publish' ? parseThemePublish(json) : undefined;

  const outcome: WebhookOutcome = order || theme ? { status: 'processed', topic: h.topic } : { status: 'ignored', topic: h.topic };
  if (testNotification) outcome.detail = 'admin test notification';
  else if (!order && !theme) outcome.detail = 'topic not used by Signalwatch';
  const delivery = {
    storeId: store.id,
    platform: 'shopify',
    webhookId: h.webhookId,
    topic: h.topic,
    resourceId: order?.platformId ?? theme?.themeId ?? null,
    outcome: outcome.status,
  };
  const duplicate: WebhookOutcome = { status: 'duplicate', topic: h.topic };

  if (order) {
    // One statement records the delivery and merges the order only if the delivery was new.
    const { droppedKeys: _dropped, ...row } = toOrderRow(store, order, 'shopify_webhook');
    const { fresh: isNew } = await recordWebhookDeliveryWithOrders(db, delivery, [row]);
    return isNew ? outcome : duplicate;
  }
  if (!theme) return (await recordWebhookDelivery(db, delivery)) ? outcome : duplicate;
  return db.transaction(async (tx) => {
    if (!(await recordWebhookDelivery(tx, delivery))) return duplicate;
    await insertRelease(tx, {
      storeId: store.id,
      kind: 'theme_publish',
      name: theme.name,
      description: `Theme "${theme.name}" published`,
      source: 'shopify',
      releasedAt: h.triggeredAt ?? new Date(),
      externalRef: `theme:${theme.themeId}:${h.eventId ?? h.webhookId}`,
    });
    return outcome;
  });
}
