/** The real sync and webhook paths against the fake Shopify over HTTP, on a real database. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOrders } from '@/db/queries/orders';
import { syncStoreOrders } from '@/lib/commerce/sync';
import { receiveShopifyWebhook } from '@/lib/commerce/webhook-intake';
import { createStore, requireStore, setStoreSecret } from '@/lib/stores';
import { readBody, sendError, sendJson } from '@/lib/http/node';
import { sendWebhooks, startFakeShopify, type FakeShopify } from '@/sandbox/shopify';
import { expectNoRawPii } from '../helpers/pii';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const NOW = new Date('2026-11-20T12:00:00Z');
const DAY = 86_400_000;

describe.each(testTargets())('order sync against the fake Shopify on %s', (target) => {
  let t: TestDatabase;
  let shop: FakeShopify;
  let hook: Server;
  let hookUrl: string;

  beforeAll(async () => {
    t = await createTestDatabase(target);
    // A small bucket with a fast restore: throttling really happens, the test stays quick.
    shop = await startFakeShopify({ clock: () => NOW, mode: { bucketMax: 400, restoreRate: 4000, journeyDelayMinutes: 30 } });
    const seeds = Array.from({ length: 150 }, (_, i) => ({
      processedAt: new Date(Date.UTC(2026, 10, 15) + Math.floor(i / 50) * DAY + (i % 50) * 60_000),
      total: 10 + i,
      email: `Shopper${i}@Example.com`,
      phone: '+1 213 373 4253',
      sourceName: i % 30 === 0 ? 'pos' : 'web',
      lastVisit: i % 3 === 0 ? { landingPage: `/p?ttclid=CLICK${i}` } : { landingPage: '/p', referrerUrl: 'https://google.com' },
    }));
    shop.controls.addOrders(seeds);
    // An order from 10 minutes ago: its journey is not ready yet.
    shop.controls.addOrders([{ processedAt: new Date(NOW.getTime() - 10 * 60_000), total: 99, lastVisit: { landingPage: '/?utm_source=tiktok' } }]);

    await createStore(t.db, {
      name: 'Fake Shop', platform: 'shopify', shop_domain: shop.shopDomain, base_url: shop.url, timezone: 'UTC', currency: 'USD', phone_country: 'US',
    });
    await setStoreSecret(t.db, 'fake-shop', 'shopify_access_token', 'shpat_sandbox');
    await setStoreSecret(t.db, 'fake-shop', 'shopify_webhook_secret', 'whsec');

    hook = createServer(async (req, res) => {
      try {
        const raw = await readBody(req, 1 << 20);
        sendJson(res, 200, await receiveShopifyWebhook(t.db, new Headers(req.headers as Record<string, string>), raw));
      } catch (err) {
        sendError(res, err);
      }
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    hook?.close();
    await shop?.close();
    await t?.cleanup();
  });

  it('a window sync returns exactly the orders in the window, under throttling, across pages', async () => {
    const store = await requireStore(t.db, 'fake-shop');
    const s = await syncStoreOrders(t.db, store, { from: new Date('2026-11-15T00:00:00Z'), to: new Date('2026-11-17T00:00:00Z'), now: NOW });
    expect(s).toMatchObject({ fetched: 100, new: 100, incomplete: [] });
    expect(shop.controls.stats().throttled).toBeGreaterThan(0);
    const rows = await listOrders(t.db, { storeId: 'fake-shop', from: new Date('2026-11-01'), to: new Date('2026-12-01') });
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => !r.inScope).map((r) => r.scopeReason)).toEqual(['pos', 'pos', 'pos', 'pos']);
    expect(rows.filter((r) => r.attribution === 'click_id')).toHaveLength(34);
    // A second sync changes nothing.
    const again = await syncStoreOrders(t.db, store, { from: new Date('2026-11-15T00:00:00Z'), to: new Date('2026-11-17T00:00:00Z'), now: NOW });
    expect(again).toMatchObject({ fetched: 100, new: 0, updated: 0, unchanged: 100 });
  });

  it('incremental sync picks up the rest; a pending journey is re-read once ready', async () => {
    const store = await requireStore(t.db, 'fake-shop');
    const s = await syncStoreOrders(t.db, store, { now: NOW });
    expect(s.new).toBe(51);
    const fresh = (await listOrders(t.db, { storeId: 'fake-shop', from: new Date(NOW.getTime() - DAY), to: new Date(NOW.getTime() + DAY) }))[0]!;
    expect(fresh.attribution).toBe('pending');
    shop.controls.setMode({ journeyDelayMinutes: 0 });
    await syncStoreOrders(t.db, store, { now: NOW });
    const reread = (await listOrders(t.db, { storeId: 'fake-shop', from: new Date(NOW.getTime() - DAY), to: new Date(NOW.getTime() + DAY) }))[0]!;
    expect(reread.attribution).toBe('utm');
  });

  it('a failing Shopify is reported, and the next sync fills the gap', async () => {
    const store = await requireStore(t.db, 'fake-shop');
    const retry = { maxAttempts: 2, retryBaseMs: 5 };
    shop.controls.failNext(2, 'http503');
    const failed = await syncStoreOrders(t.db, store, { from: new Date('2026-11-17T00:00:00Z'), to: new Date('2026-11-18T00:00:00Z'), now: NOW, retry });
    expect(failed.incomplete.map((i) => i.scope)).toEqual(['2026-11-17']);
    const healed = await syncStoreOrders(t.db, store, { now: NOW, retry });
    expect(healed.incomplete).toEqual([]);
    expect(await listOrders(t.db, { storeId: 'fake-shop', from: new Date('2026-11-01'), to: new Date('2026-12-01') })).toHaveLength(151);
  });

  it('webhooks with duplicates, retries and reordering leave exactly one correct record per order', async () => {
    const ids = shop.controls.orders().slice(0, 20).map((o) => o.id);
    for (const id of ids) shop.controls.updateOrder(id, { cancelledAt: NOW });
    const reports = await sendWebhooks({
      targetUrl: hookUrl,
      secret: 'whsec',
      shopDomain: shop.shopDomain,
      deliveries: ids.flatMap((id) => [
        { topic: 'orders/create', payload: shop.controls.restPayloadFor(id) },
        { topic: 'orders/cancelled', payload: shop.controls.restPayloadFor(id) },
      ]),
      duplicate: 0.5,
      reorder: true,
      seed: 7,
    });
    expect(reports.every((r) => r.delivered)).toBe(true);
    const forged = await sendWebhooks({
      targetUrl: hookUrl, secret: 'not-the-secret', shopDomain: shop.shopDomain,
      deliveries: [{ topic: 'orders/create', payload: { ...shop.controls.restPayloadFor(ids[0]!), id: 1 } }],
    });
    expect(forged[0]!.delivered).toBe(false);
    expect(forged[0]!.attempts[0]).toBe(401);
    const rows = await listOrders(t.db, { storeId: 'fake-shop', from: new Date('2026-11-01'), to: new Date('2026-12-01') });
    expect(rows).toHaveLength(151);
    const touched = rows.filter((r) => ids.map(String).includes(r.platformId));
    expect(touched).toHaveLength(20);
    expect(touched.every((r) => r.cancelledAt !== null)).toBe(true);
  });

  it('an order that cannot be read leaves its day failed; later syncs read the day again until it is imported', async () => {
    const store = await requireStore(t.db, 'fake-shop');
    const [broken, fine, brokenLater] = shop.controls.addOrders([
      { processedAt: new Date('2026-11-18T10:00:00Z'), total: 31, unreadable: true },
      { processedAt: new Date('2026-11-18T11:00:00Z'), total: 32 },
      // Only the incremental read meets this one: its day was never in a window.
      { processedAt: new Date('2026-11-19T10:00:00Z'), total: 33, unreadable: true },
    ]);
    const stored = async (id: number) =>
      (await listOrders(t.db, { storeId: 'fake-shop', from: new Date('2026-11-18'), to: new Date('2026-11-20') })).some((o) => o.platformId === String(id));
    const syncTracked = async (opts: { from?: Date; to?: Date } = {}) => {
      const scopes: string[] = [];
      const summary = await syncStoreOrders(t.db, store, { ...opts, now: NOW, onProgress: (e) => scopes.push(e.scope) });
      return { summary, scopes };
    };

    const window = await syncTracked({ from: new Date('2026-11-18T00:00:00Z'), to: new Date('2026-11-19T00:00:00Z') });
    expect(window.summary.incomplete).toEqual([{ scope: '2026-11-18', reason: `1 order(s) could not be read (gid://shopify/Order/${broken!.id}); read again on the next sync` }]);
    expect(window.summary.warnings.join('\n')).toContain(`order gid://shopify/Order/${broken!.id} could not be read`);
    expect(await stored(fine!.id)).toBe(true);
    expect(await stored(broken!.id)).toBe(false);

    const incremental = await syncTracked();
    expect(incremental.scopes).toContain('2026-11-18');
    expect(incremental.summary.incomplete.map((i) => i.scope).sort()).toEqual(['2026-11-18', '2026-11-19']);

    shop.controls.updateOrder(broken!.id, { unreadable: false });
    shop.controls.updateOrder(brokenLater!.id, { unreadable: false });
    const healed = await syncTracked();
    expect(healed.scopes).toEqual(expect.arrayContaining(['2026-11-18', '2026-11-19']));
    expect(healed.summary.incomplete).toEqual([]);
    expect(await stored(broken!.id)).toBe(true);
    expect(await stored(brokenLater!.id)).toBe(true);
    // Nothing is left to re-read.
    expect((await syncTracked()).scopes).toEqual(['incremental']);
  });

  it('leaves no raw email or phone anywhere in the database after the syncs', async () => {
    await expectNoRawPii(t.db, ['@example.com', '213 373 4253', '2133734253']);
  });
});
