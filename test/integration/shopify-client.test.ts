import { afterEach, describe, expect, it } from 'vitest';
import { createShopifyClient, ShopifyRequestError, type ShopifyClientOptions, type ShopifyProgress } from '@/lib/commerce/shopify';
import { startFakeShopify, type FakeOrderSeed, type FakeShopify, type FakeShopifyMode } from '@/sandbox/shopify';

/** The fake shop's clock: fixed, so order ages and the 60-day limit are deterministic. */
const NOW = new Date('2025-03-10T12:00:00Z');
const clock = () => NOW;
const HOUR = 3_600_000;

let fake: FakeShopify | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(mode: Partial<FakeShopifyMode> = {}): Promise<FakeShopify> {
  // Fast restore so real throttling waits stay in the tens to hundreds of milliseconds.
  fake = await startFakeShopify({ clock, mode: { restoreRate: 2000, ...mode } });
  return fake;
}

function client(shop: FakeShopify, over: Partial<ShopifyClientOptions> = {}) {
  const events: ShopifyProgress[] = [];
  const shopify = createShopifyClient({
    baseUrl: shop.url,
    accessToken: 'shpat_sandbox',
    now: clock,
    retryBaseMs: 5,
    onProgress: (e) => events.push(e),
    ...over,
  });
  return { shopify, events };
}

/** `count` orders spread evenly over [from, from + hours). */
function ordersBetween(from: string, hours: number, count: number, extra: Partial<FakeOrderSeed> = {}): FakeOrderSeed[] {
  const start = Date.parse(from);
  return Array.from({ length: count }, (_, i) => ({
    processedAt: new Date(start + Math.floor((i * hours * HOUR) / count)),
    total: 10 + i,
    ...extra,
  }));
}

const WINDOW = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-04T00:00:00Z') };

describe('Shopify client against the fake Shopify (real HTTP)', () => {
  it('returns exactly the orders of the window across pages and days, obeying a small bucket', async () => {
    const shop = await start({ bucketMax: 500, restoreRate: 1500 });
    const inside = shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 72, 180));
    shop.controls.addOrders([
      { processedAt: '2025-02-28T23:59:59Z', total: 1 },
      { processedAt: '2025-03-04T00:00:00Z', total: 1 },
      { processedAt: '2025-03-05T10:00:00Z', total: 1 },
    ]);
    const { shopify, events } = client(shop);

    const started = performance.now();
    const result = await shopify.fetchOrdersInWindow(WINDOW).collect();
    const elapsed = performance.now() - started;

    expect(result.failedDays).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.days.map((d) => [d.day, d.complete])).toEqual([
      ['2025-03-01', true],
      ['2025-03-02', true],
      ['2025-03-03', true],
    ]);
    const ids = result.orders.map((o) => o.platformId);
    expect(new Set(ids).size).toBe(180);
    expect(ids.sort()).toEqual(inside.map((o) => String(o.id)).sort());

    const pages = events.filter((e) => e.type === 'page');
    expect(pages.length).toBeGreaterThan(3);
    // The page size adapted to the bucket: 0.8 × 500 points at ~9 points an order.
    expect(pages.at(-1)).toMatchObject({ pageSize: 44 });
    const waits = events.filter((e) => e.type === 'wait');
    expect(waits.length).toBeGreaterThan(0);
    expect(shop.controls.stats().throttled).toBeLessThanOrEqual(1);
    expect(elapsed).toBeGreaterThan(waits.reduce((sum, w) => sum + (w.type === 'wait' ? w.waitMs : 0), 0) * 0.9);
  });

  it('waits out THROTTLED in a 200 for (requested − available) / restoreRate', async () => {
    const shop = await start({ restoreRate: 1000 });
    shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 24, 20));
    shop.controls.drainBucket();
    const { shopify, events } = client(shop);

    const started = performance.now();
    const result = await shopify.fetchOrdersInWindow({ from: WINDOW.from, to: new Date('2025-03-02T00:00:00Z') }).collect();

    expect(result.orders).toHaveLength(20);
    expect(shop.controls.stats().throttled).toBeGreaterThanOrEqual(1);
    const throttled = events.find((e) => e.type === 'wait' && e.reason === 'throttled');
    // First query: 50 orders × 9 + 2 = 452 points requested from an empty bucket.
    expect(throttled).toMatchObject({ waitMs: expect.any(Number) });
    expect(throttled?.type === 'wait' && throttled.waitMs).toBeGreaterThanOrEqual(400);
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('waits out HTTP 429 using Retry-After', async () => {
    const shop = await start({ restoreRate: 1000, throttleAs: 'http429' });
    shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 24, 5));
    shop.controls.drainBucket();
    const { shopify, events } = client(shop);

    const result = await shopify.fetchOrdersInWindow({ from: WINDOW.from, to: new Date('2025-03-02T00:00:00Z') }).collect();

    expect(result.orders).toHaveLength(5);
    expect(events.some((e) => e.type === 'wait' && e.reason === 'rate_limited' && e.waitMs >= 400)).toBe(true);
  });

  it('shrinks the page when a query exceeds the single-query cost cap', async () => {
    const shop = await start();
    shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 24, 150));
    const { shopify } = client(shop, { initialPageSize: 200 });

    const result = await shopify.fetchOrdersInWindow({ from: WINDOW.from, to: new Date('2025-03-02T00:00:00Z') }).collect();

    expect(result.orders).toHaveLength(150);
    expect(result.failedDays).toEqual([]);
  });

  it('shrinks the page when the whole bucket is smaller than the query', async () => {
    const shop = await start({ bucketMax: 200 });
    shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 24, 40));
    const { shopify, events } = client(shop);

    const result = await shopify.fetchOrdersInWindow({ from: WINDOW.from, to: new Date('2025-03-02T00:00:00Z') }).collect();

    expect(result.orders).toHaveLength(40);
    // 0.8 × 200 points at ~9 points an order.
    expect(events.filter((e) => e.type === 'page').every((e) => e.type === 'page' && e.pageSize === 17)).toBe(true);
  });

  it('maps orders, including the journey and the numeric customer id', async () => {
    const shop = await start();
    const [seeded] = shop.controls.addOrders([
      {
        processedAt: '2025-03-02T15:30:00Z',
        total: '129.90',
        currency: 'EUR',
        sourceName: 'web',
        email: 'Zoë@Example.com',
        phone: '+33 6 12 34 56 78',
        clientIp: '203.0.113.5',
        customerId: 9001,
        cancelledAt: '2025-03-03T09:00:00Z',
        customAttributes: { _ttp: 'ttp-1' },
        daysToConversion: 2,
        firstVisit: { occurredAt: '2025-02-28T10:00:00Z', landingPage: '/?ttclid=E.C.P.1', source: 'TikTok' },
        lastVisit: { landingPage: '/cart', referrerUrl: 'https://www.tiktok.com/', utm: { source: 'tiktok', medium: 'paid' } },
      },
    ]);
    const { shopify } = client(shop);

    const { orders } = await shopify.fetchOrdersInWindow(WINDOW).collect();

    expect(orders).toEqual([
      {
        platformId: String(seeded!.id),
        name: seeded!.name,
        processedAt: new Date('2025-03-02T15:30:00Z'),
        createdAt: new Date('2025-03-02T15:30:00Z'),
        updatedAt: NOW,
        value: 129.9,
        currency: 'EUR',
        test: false,
        cancelledAt: new Date('2025-03-03T09:00:00Z'),
        channel: 'web',
        email: 'Zoë@Example.com',
        phone: '+33 6 12 34 56 78',
        externalId: '9001',
        ip: '203.0.113.5',
        userAgent: null,
        ttclid: 'E.C.P.1',
        ttp: 'ttp-1',
        visits: {
          first: {
            occurredAt: new Date('2025-02-28T10:00:00Z'),
            landingPage: '/?ttclid=E.C.P.1',
            referrerUrl: null,
            source: 'TikTok',
            sourceType: null,
            utmSource: null,
          },
          last: {
            occurredAt: null,
            landingPage: '/cart',
            referrerUrl: 'https://www.tiktok.com/',
            source: 'direct',
            sourceType: null,
            utmSource: 'tiktok',
          },
        },
        daysToConversion: 2,
      },
    ]);
  });

  it('accepts partial data when protected customer fields are withheld', async () => {
    const shop = await start({ protectedData: true });
    shop.controls.addOrders(
      ordersBetween('2025-03-01T00:00:00Z', 24, 3, { email: 'a@example.com', phone: '+15550000000', lastVisit: { landingPage: '/?ttclid=x' } }),
    );
    const { shopify } = client(shop);

    const result = await shopify.fetchOrdersInWindow({ from: WINDOW.from, to: new Date('2025-03-02T00:00:00Z') }).collect();

    expect(result.failedDays).toEqual([]);
    expect(result.orders).toHaveLength(3);
    for (const order of result.orders) {
      // The visits are unknown, not empty: "no TikTok evidence" would be a claim the data cannot make.
      expect(order).toMatchObject({ email: null, phone: null, visits: 'withheld', ttclid: null });
    }
    expect(result.warnings.some((w) => w.startsWith('partial data') && w.includes('email'))).toBe(true);
  });

  it('marks the journey pending for orders younger than the fake journey delay', async () => {
    const shop = await start({ journeyDelayMinutes: 30 });
    shop.controls.addOrders([
      { processedAt: new Date(NOW.getTime() - 10 * 60_000), total: 5, lastVisit: { landingPage: '/?ttclid=young' } },
      { processedAt: new Date(NOW.getTime() - 3 * HOUR), total: 5, lastVisit: { landingPage: '/?ttclid=old' } },
    ]);
    const { shopify } = client(shop);

    const { orders } = await shopify.fetchOrdersInWindow({ from: new Date('2025-03-10T00:00:00Z'), to: NOW }).collect();

    expect(orders.map((o) => [o.visits === 'pending' ? 'pending' : 'ready', o.ttclid])).toEqual([
      ['ready', 'old'],
      ['pending', null],
    ]);
  });

  it('retries 503s and dropped connections', async () => {
    const shop = await start();
    shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 24, 10));
    shop.controls.failNext(2, 'http503');
    shop.controls.failNext(1, 'connection_reset');
    const { shopify, events } = client(shop);

    const result = await shopify.fetchOrdersInWindow({ from: WINDOW.from, to: new Date('2025-03-02T00:00:00Z') }).collect();

    expect(result.orders).toHaveLength(10);
    expect(result.failedDays).toEqual([]);
    expect(events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.reason)).toEqual([
      'HTTP 503',
      'HTTP 503',
      expect.stringMatching(/^network error/),
    ]);
  });

  it('reports a day that keeps failing, keeps what it read, and goes on with the next days', async () => {
    const shop = await start();
    shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 72, 30));
    // Requests 2–4 (the second page of the first day and its retries) fail.
    let calls = 0;
    const flakyFetch: typeof fetch = (input, init) => {
      calls += 1;
      return calls >= 2 && calls <= 4 ? Promise.resolve(new Response('busy', { status: 503 })) : fetch(input, init);
    };
    const { shopify } = client(shop, { maxAttempts: 3, initialPageSize: 5, fetch: flakyFetch });

    const result = await shopify.fetchOrdersInWindow(WINDOW).collect();

    expect(result.failedDays).toEqual([{ day: '2025-03-01', reason: 'HTTP 503 (gave up after 3 attempts)' }]);
    expect(result.days.map((d) => d.complete)).toEqual([false, true, true]);
    expect(result.orders).toHaveLength(5 + 10 + 10);
  });

  it('stops the whole sync when the token is refused', async () => {
    const shop = await start();
    const { shopify } = client(shop, { accessToken: 'wrong' });

    await expect(shopify.fetchOrdersInWindow(WINDOW).collect()).rejects.toMatchObject({
      name: 'ShopifyRequestError',
      kind: 'auth',
    });
    await expect(shopify.fetchOrdersInWindow(WINDOW).collect()).rejects.toBeInstanceOf(ShopifyRequestError);
  });

  it('warns about the 60-day visibility limit, which hides older orders unless read_all_orders', async () => {
    const shop = await start();
    shop.controls.addOrders([
      { processedAt: '2024-12-20T10:00:00Z', total: 1 },
      { processedAt: '2025-02-01T10:00:00Z', total: 1 },
    ]);
    const { shopify } = client(shop);
    const window = { from: new Date('2024-12-15T00:00:00Z'), to: new Date('2025-02-02T00:00:00Z') };

    const fetch = shopify.fetchOrdersInWindow(window);
    expect(fetch.warnings).toHaveLength(1);
    expect(fetch.warnings[0]).toMatch(/60 days.*read_all_orders/);
    const hidden = await fetch.collect();
    expect(hidden.orders).toHaveLength(1);
    expect(hidden.warnings).toEqual(fetch.warnings);

    shop.controls.setMode({ readAllOrders: true });
    expect((await shopify.fetchOrdersInWindow(window).collect()).orders).toHaveLength(2);
  });

  it('streams one result per UTC day', async () => {
    const shop = await start();
    shop.controls.addOrders(ordersBetween('2025-03-01T00:00:00Z', 72, 9));
    const { shopify } = client(shop);

    const days: [string, number][] = [];
    for await (const day of shopify.fetchOrdersInWindow(WINDOW)) days.push([day.day, day.orders.length]);

    expect(days).toEqual([
      ['2025-03-01', 3],
      ['2025-03-02', 3],
      ['2025-03-03', 3],
    ]);
  });

  it('syncs incrementally by updated_at and returns the new high-water mark', async () => {
    const shop = await start();
    const seeded = shop.controls.addOrders(
      ordersBetween('2025-03-01T00:00:00Z', 24, 60, { updatedAt: '2025-03-01T23:00:00Z' }),
    );
    shop.controls.updateOrder(seeded[7]!.id, { cancelledAt: '2025-03-09T10:00:00Z', updatedAt: '2025-03-09T10:00:00Z' });
    shop.controls.updateOrder(seeded[3]!.id, { total: 99, updatedAt: '2025-03-09T11:00:00Z' });
    const { shopify } = client(shop);

    const result = await shopify.fetchOrdersUpdatedSince(new Date('2025-03-09T00:00:00Z'));

    expect(result.complete).toBe(true);
    expect(result.orders.map((o) => o.platformId)).toEqual([String(seeded[7]!.id), String(seeded[3]!.id)]);
    expect(result.orders[0]!.cancelledAt).toEqual(new Date('2025-03-09T10:00:00Z'));
    expect(result.orders[1]!.value).toBe(99);
    expect(result.highWaterMark).toEqual(new Date('2025-03-09T11:00:00Z'));

    const again = await shopify.fetchOrdersUpdatedSince(result.highWaterMark);
    expect(again.orders.map((o) => o.platformId)).toEqual([String(seeded[3]!.id)]);
  });

  it('never moves the high-water mark past the start of the read less the overlap', async () => {
    const shop = await start();
    shop.controls.addOrders([{ processedAt: '2025-03-10T11:58:00Z', updatedAt: '2025-03-10T11:59:00Z', total: 1 }]);
    const { shopify } = client(shop);

    const result = await shopify.fetchOrdersUpdatedSince(new Date('2025-03-10T00:00:00Z'));

    expect(result.orders).toHaveLength(1);
    expect(result.highWaterMark).toEqual(new Date('2025-03-10T11:55:00Z'));
  });

  it('can be seeded over HTTP by another process', async () => {
    const shop = await start();
    const response = await fetch(`${shop.url}/__sandbox/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ processedAt: '2025-03-02T10:00:00Z', total: '12.00', email: 'x@example.com' }]),
    });
    expect(response.status).toBe(201);
    const bad = await fetch(`${shop.url}/__sandbox/orders`, { method: 'POST', body: JSON.stringify([{ total: 1 }]) });
    expect(bad.status).toBe(400);
    const { shopify } = client(shop);

    const { orders } = await shopify.fetchOrdersInWindow(WINDOW).collect();
    expect(orders).toMatchObject([{ value: 12, email: 'x@example.com' }]);
  });
});
