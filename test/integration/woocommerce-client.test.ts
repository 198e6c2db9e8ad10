import { afterEach, describe, expect, it } from 'vitest';
import { createWooCommerceClient, WooCommerceRequestError, type WooCommerceClientOptions } from '@/lib/commerce/woocommerce';
import { startFakeWooCommerce, type FakeWooCommerce, type FakeWooOrderSeed } from '@/sandbox/shopify';

const NOW = new Date('2025-03-10T12:00:00Z');
const WINDOW = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-04T00:00:00Z') };
const HOUR = 3_600_000;

let fake: FakeWooCommerce | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(): Promise<FakeWooCommerce> {
  fake = await startFakeWooCommerce({ clock: () => NOW });
  return fake;
}

function client(shop: FakeWooCommerce, over: Partial<WooCommerceClientOptions> = {}) {
  return createWooCommerceClient({
    baseUrl: shop.url,
    consumerKey: shop.consumerKey,
    consumerSecret: shop.consumerSecret,
    retryBaseMs: 5,
    now: () => NOW,
    ...over,
  });
}

function paidOrders(from: string, hours: number, count: number, extra: Partial<FakeWooOrderSeed> = {}): FakeWooOrderSeed[] {
  const start = Date.parse(from);
  return Array.from({ length: count }, (_, i) => {
    const createdAt = new Date(start + Math.floor((i * hours * HOUR) / count));
    return { createdAt, paidAt: new Date(createdAt.getTime() + 5000), total: 10 + i, ...extra };
  });
}

describe('WooCommerce client against the fake WooCommerce (real HTTP)', () => {
  it('reads every page of the window, including an order stamped exactly at its start', async () => {
    const shop = await start();
    const inside = shop.controls.addOrders(paidOrders('2025-03-01T00:00:00Z', 72, 250));
    shop.controls.addOrders([
      { createdAt: '2025-02-28T23:59:59Z', paidAt: '2025-03-01T00:00:10Z', total: 1 },
      { createdAt: '2025-03-04T00:00:00Z', total: 1 },
    ]);

    const result = await client(shop).fetchOrdersInWindow(WINDOW);

    expect(result.complete).toBe(true);
    expect(result.orders.map((o) => o.platformId)).toEqual(inside.map(String));
    const requests = shop.controls.requests();
    expect(requests).toHaveLength(3);
    expect(requests[0]!.query).toMatchObject({
      after: '2025-02-28T23:59:59',
      before: '2025-03-04T00:00:00',
      dates_are_gmt: 'true',
      per_page: '100',
      orderby: 'id',
      order: 'asc',
      page: '1',
    });
    expect(requests.map((r) => r.query.page)).toEqual(['1', '2', '3']);
  });

  it('maps orders with their attribution meta and skips what never was a purchase', async () => {
    const shop = await start();
    const [paid] = shop.controls.addOrders([
      {
        createdAt: '2025-03-02T10:00:00Z',
        paidAt: '2025-03-02T10:00:07Z',
        total: '49.90',
        currency: 'GBP',
        createdVia: 'checkout',
        customerId: 31,
        email: 'buyer@example.com',
        phone: '07700 900123',
        ip: '198.51.100.4',
        userAgent: 'Mozilla/5.0 (Linux; Android 14) Chrome/124.0',
        attribution: {
          source_type: 'utm',
          utm_source: 'tiktok',
          referrer: 'https://www.tiktok.com/',
          session_entry: 'https://shop.example/p?utm_source=tiktok&ttclid=E.C.P.woo',
        },
      },
    ]);
    shop.controls.addOrders([
      { createdAt: '2025-03-02T11:00:00Z', status: 'pending', total: 5 },
      { createdAt: '2025-03-02T11:00:00Z', status: 'failed', total: 5 },
      { createdAt: '2025-03-02T11:00:00Z', status: 'checkout-draft', total: 5 },
      { createdAt: '2025-03-02T11:00:00Z', status: 'cancelled', total: 5 },
    ]);
    const [cancelledPaid] = shop.controls.addOrders([
      { createdAt: '2025-03-02T12:00:00Z', paidAt: '2025-03-02T12:00:05Z', status: 'cancelled', total: 5, createdVia: 'admin' },
    ]);
    shop.controls.updateOrder(cancelledPaid!, { modifiedAt: '2025-03-03T09:00:00Z' });

    const result = await client(shop).fetchOrdersInWindow(WINDOW);

    expect(result.skippedByStatus).toEqual({ pending: 1, failed: 1, 'checkout-draft': 1, cancelled: 1 });
    expect(result.orders).toEqual([
      {
        platformId: String(paid),
        name: String(paid),
        processedAt: new Date('2025-03-02T10:00:07Z'),
        createdAt: new Date('2025-03-02T10:00:00Z'),
        updatedAt: new Date('2025-03-02T10:00:07Z'),
        value: 49.9,
        currency: 'GBP',
        test: false,
        cancelledAt: null,
        channel: 'checkout',
        email: 'buyer@example.com',
        phone: '07700 900123',
        externalId: '31',
        ip: '198.51.100.4',
        userAgent: 'Mozilla/5.0 (Linux; Android 14) Chrome/124.0',
        ttclid: 'E.C.P.woo',
        ttp: null,
        visits: {
          first: null,
          last: {
            landingPage: 'https://shop.example/p?utm_source=tiktok&ttclid=E.C.P.woo',
            referrerUrl: 'https://www.tiktok.com/',
            sourceType: 'utm',
            utmSource: 'tiktok',
            source: null,
          },
        },
        daysToConversion: null,
      },
      expect.objectContaining({ platformId: String(cancelledPaid), channel: 'admin', cancelledAt: new Date('2025-03-03T09:00:00Z') }),
    ]);
  });

  it('retries 503s, and reports a read that keeps failing with the orders read before it', async () => {
    const shop = await start();
    shop.controls.addOrders(paidOrders('2025-03-01T00:00:00Z', 72, 150));
    shop.controls.failNext(2);
    const retries: string[] = [];

    const ok = await client(shop, { onProgress: (e) => e.type === 'retry' && retries.push(e.reason) }).fetchOrdersInWindow(WINDOW);
    expect(ok).toMatchObject({ complete: true, failure: null });
    expect(ok.orders).toHaveLength(150);
    expect(retries).toEqual(['HTTP 503', 'HTTP 503']);

    // Page 1 succeeds, then every try of page 2 fails.
    let calls = 0;
    const flaky: typeof fetch = (input, init) => (++calls >= 2 ? Promise.resolve(new Response('down', { status: 503 })) : fetch(input, init));
    const partial = await client(shop, { fetch: flaky, maxAttempts: 3 }).fetchOrdersInWindow(WINDOW);
    expect(partial).toMatchObject({ complete: false, failure: 'HTTP 503 (gave up after 3 attempts)' });
    expect(partial.orders).toHaveLength(100);
  });

  it('an order that cannot be read leaves the window failed; the incremental read names its day to read again', async () => {
    const shop = await start();
    const ids = shop.controls.addOrders(paidOrders('2025-03-01T00:00:00Z', 72, 5));
    // A plugin's bad write: one order's total is not a decimal string.
    const corrupting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as { id: number; total: string }[];
      for (const order of body) if (order.id === ids[3]) order.total = 'lots';
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };

    const window = await client(shop, { fetch: corrupting }).fetchOrdersInWindow(WINDOW);
    expect(window).toMatchObject({ complete: false, failure: `1 order(s) could not be read (${ids[3]}); read again on the next sync` });
    expect(window.orders).toHaveLength(4);
    expect(window.warnings).toEqual([expect.stringContaining(`order ${ids[3]} could not be read`)]);

    const incremental = await client(shop, { fetch: corrupting }).fetchOrdersModifiedSince(new Date('2025-02-28T00:00:00Z'));
    expect(incremental).toMatchObject({ complete: true, unreadableDays: ['2025-03-02'] });
    expect(incremental.orders).toHaveLength(4);
  });

  it('throws on refused API keys', async () => {
    const shop = await start();
    await expect(client(shop, { consumerSecret: 'wrong' }).fetchOrdersInWindow(WINDOW)).rejects.toMatchObject({
      name: 'WooCommerceRequestError',
      kind: 'auth',
    });
    await expect(client(shop, { consumerSecret: 'wrong' }).fetchOrdersModifiedSince(NOW)).rejects.toBeInstanceOf(WooCommerceRequestError);
  });

  it('syncs incrementally with modified_after and returns the new high-water mark', async () => {
    const shop = await start();
    const ids = shop.controls.addOrders(paidOrders('2025-03-01T00:00:00Z', 24, 20));
    shop.controls.updateOrder(ids[4]!, { status: 'completed', modifiedAt: '2025-03-09T08:00:00Z' });
    shop.controls.updateOrder(ids[9]!, { status: 'refunded', modifiedAt: '2025-03-09T09:30:00Z' });
    const woo = client(shop);

    const result = await woo.fetchOrdersModifiedSince(new Date('2025-03-09T00:00:00Z'));

    expect(result.complete).toBe(true);
    expect(result.orders.map((o) => o.platformId)).toEqual([String(ids[4]), String(ids[9])]);
    expect(result.highWaterMark).toEqual(new Date('2025-03-09T09:30:00Z'));
    expect(shop.controls.requests().at(-1)!.query.modified_after).toBe('2025-03-08T23:59:59');

    const again = await woo.fetchOrdersModifiedSince(result.highWaterMark);
    expect(again.orders.map((o) => o.platformId)).toEqual([String(ids[9])]);
  });
});
