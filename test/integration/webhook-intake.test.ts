import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { selectRows } from '@/db/client';
import { getOrder } from '@/db/queries/orders';
import { receiveShopifyWebhook, webhookAuthCache } from '@/lib/commerce/webhook-intake';
import { createStore, setStoreSecret, updateStoreSettings } from '@/lib/stores';
import { expectNoRawPii } from '../helpers/pii';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const order = (id: number, over: Record<string, unknown> = {}) => ({
  id,
  name: `#${id}`,
  email: 'shopper@example.com',
  phone: '+14155550123',
  created_at: '2026-11-02T14:00:00Z',
  processed_at: '2026-11-02T14:00:05Z',
  updated_at: '2026-11-02T14:00:10Z',
  test: false,
  total_price: '59.45',
  currency: 'USD',
  source_name: 'web',
  ...over,
});

function webhook(body: unknown, secret: string, opts: { id?: string; domain?: string; topic?: string } = {}) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers = new Headers({
    'X-Shopify-Topic': opts.topic ?? 'orders/updated',
    'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(raw).digest('base64'),
    'X-Shopify-Shop-Domain': opts.domain ?? 'cache.myshopify.com',
    'X-Shopify-Webhook-Id': opts.id ?? crypto.randomUUID(),
  });
  return { headers, raw };
}

describe.each(testTargets())('Shopify webhook intake on %s', (target) => {
  let t: TestDatabase;
  let now = Date.parse('2026-11-22T12:00:00Z');
  const deliveries = async (webhookId: string) =>
    (await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from webhook_deliveries where webhook_id = ${webhookId}`))[0]!.n;
  const send = (body: unknown, secret: string, opts?: Parameters<typeof webhook>[2]) => {
    const w = webhook(body, secret, opts);
    return receiveShopifyWebhook(t.db, w.headers, w.raw);
  };

  // A change made by another process (a CLI against the same Postgres) does not reach this
  // process's cache: simulated by changing through a transaction handle, which is not the cache key.
  const secretSetElsewhere = (store: string, value: string) =>
    t.db.transaction((tx) => setStoreSecret(tx, store, 'shopify_webhook_secret', value));

  beforeAll(async () => {
    t = await createTestDatabase(target);
    webhookAuthCache.setClock(() => now);
    await createStore(t.db, { name: 'Cache', platform: 'shopify', shop_domain: 'cache.myshopify.com', timezone: 'UTC', currency: 'USD', phone_country: 'US' });
    await setStoreSecret(t.db, 'cache', 'shopify_webhook_secret', 'secret-1');
  });
  afterAll(async () => {
    webhookAuthCache.setClock(() => Date.now());
    await t.cleanup();
  });

  it('cached secrets: a new secret works at once, a replaced one stops within the 30 s TTL', async () => {
    expect(await send(order(1), 'secret-1')).toMatchObject({ status: 'processed' });
    await secretSetElsewhere('cache', 'secret-2');
    now += 1_500;
    // Not in the cache yet: the mismatch reloads the secrets.
    expect(await send(order(2), 'secret-2')).toMatchObject({ status: 'processed' });
    await secretSetElsewhere('cache', 'secret-3');
    // secret-2 is still cached (documented: up to 30 s)…
    expect(await send(order(3), 'secret-2')).toMatchObject({ status: 'processed' });
    now += 31_000;
    // …and refused once the entry expired.
    const stale = webhook(order(4), 'secret-2', { id: 'stale-secret' });
    await expect(receiveShopifyWebhook(t.db, stale.headers, stale.raw)).rejects.toMatchObject({ status: 401 });
    expect(await deliveries('stale-secret')).toBe(0);
    expect(await send(order(4), 'secret-3')).toMatchObject({ status: 'processed' });
  });

  it('cache: forged signatures do not reload more than once a second; clear() forgets at once', async () => {
    now += 31_000;
    expect(await send(order(5), 'secret-3')).toMatchObject({ status: 'processed' });
    await secretSetElsewhere('cache', 'secret-4');
    // Within a second of the load a mismatch does not reload: refused.
    await expect(send(order(6), 'secret-4')).rejects.toMatchObject({ status: 401 });
    webhookAuthCache.clear(t.db);
    expect(await send(order(6), 'secret-4')).toMatchObject({ status: 'processed' });
  });

  it('cache: an unknown shop domain is found within a second of the store being added; settings follow the TTL', async () => {
    await expect(send(order(7), 'other', { domain: 'late.myshopify.com' })).rejects.toMatchObject({ status: 404 });
    await createStore(t.db, { name: 'Late', platform: 'shopify', shop_domain: 'late.myshopify.com', timezone: 'UTC', currency: 'USD', phone_country: 'GB' });
    await setStoreSecret(t.db, 'late', 'shopify_webhook_secret', 'other');
    now += 1_000;
    expect(await send(order(7), 'other', { domain: 'late.myshopify.com' })).toMatchObject({ status: 'processed' });
    // A national phone is read with the store's country: GB now, US once the cached store expires.
    await t.db.transaction((tx) => updateStoreSettings(tx, 'late', { phone_country: 'US' }));
    await send(order(8, { phone: '(415) 555-0123' }), 'other', { domain: 'late.myshopify.com' });
    now += 31_000;
    await send(order(9, { phone: '(415) 555-0123' }), 'other', { domain: 'late.myshopify.com' });
    const phoneHash = async (id: string) => (await getOrder(t.db, 'late', id))!.phoneSha256;
    // Order 7 carries +14155550123: the US reading of the national number.
    expect(await phoneHash('8')).not.toBe(await phoneHash('7'));
    expect(await phoneHash('9')).toBe(await phoneHash('7'));
  });

  it('cache: a secret or setting changed in this process (the CLI run by the app) applies at once', async () => {
    now += 31_000;
    expect(await send(order(20), 'secret-4')).toMatchObject({ status: 'processed' });
    await setStoreSecret(t.db, 'cache', 'shopify_webhook_secret', 'secret-5');
    // No TTL wait and no mismatch reload needed (a reload would be refused within a second anyway).
    await expect(send(order(21), 'secret-4')).rejects.toMatchObject({ status: 401 });
    expect(await send(order(21), 'secret-5')).toMatchObject({ status: 'processed' });
    await updateStoreSettings(t.db, 'cache', { shop_domain: 'renamed.myshopify.com' });
    await expect(send(order(22), 'secret-5')).rejects.toMatchObject({ status: 404 });
    expect(await send(order(22), 'secret-5', { domain: 'renamed.myshopify.com' })).toMatchObject({ status: 'processed' });
    await updateStoreSettings(t.db, 'cache', { shop_domain: 'cache.myshopify.com' });
    await setStoreSecret(t.db, 'cache', 'shopify_webhook_secret', 'secret-4');
  });

  it('one statement: concurrent repeats of a webhook id record one delivery and one order', async () => {
    now += 31_000;
    const w = webhook(order(10), 'secret-4', { id: 'same-id' });
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => receiveShopifyWebhook(t.db, w.headers, w.raw)));
    expect(outcomes.filter((o) => o.status === 'processed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(5);
    expect(await deliveries('same-id')).toBe(1);
    expect(await getOrder(t.db, 'cache', '10')).toMatchObject({ value: 59.45 });
  });

  it('one statement: versions of an order arriving concurrently and out of order leave the newest', async () => {
    const versions = [3, 1, 4, 2].map((h) => order(11, { updated_at: `2026-11-0${h}T10:00:00Z`, total_price: `${h}0.00` }));
    await Promise.all(versions.map((v) => send(v, 'secret-4')));
    expect(await getOrder(t.db, 'cache', '11')).toMatchObject({ value: 40, platformUpdatedAt: new Date('2026-11-04T10:00:00Z') });
  });

  it('one statement: when the order cannot be written, the delivery is not recorded either (Shopify retries)', async () => {
    // Validation accepts it; numeric(14,2) does not.
    const tooLarge = webhook(order(12, { total_price: '1000000000000000' }), 'secret-4', { id: 'too-large' });
    await expect(receiveShopifyWebhook(t.db, tooLarge.headers, tooLarge.raw)).rejects.toThrow();
    expect(await deliveries('too-large')).toBe(0);
    expect(await getOrder(t.db, 'cache', '12')).toBeUndefined();
    // The retry with a payload that fits is processed, not a duplicate.
    expect(await send(order(12), 'secret-4', { id: 'too-large' })).toMatchObject({ status: 'processed' });
    expect(await deliveries('too-large')).toBe(1);
  });

  it('leaves no raw email or phone anywhere in the database after the deliveries', async () => {
    await expectNoRawPii(t.db, ['shopper@example.com', '4155550123']);
  });
});
