import { createHmac, randomUUID } from 'node:crypto';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { signalwatch } from './cli';

// Orders through the real app: POST /api/v1/orders (ingest key) and POST /api/webhooks/shopify
// (HMAC over the raw body). A store of its own, added with the CLI while the app runs, so the
// seeded northwind/bluebird numbers the UI project checks stay as seeded.
const STORE = 'e2e-orders';
const SHOP_DOMAIN = 'e2e-orders.myshopify.com';
const WEBHOOK_SECRET = 'shpss_e2e_orders_webhook_secret';
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let ingestKey: string;

const errorShape = (code: string) => ({ error: { code, message: expect.any(String) } });

/** The stored orders of the store in November 2026, read back with the CLI (executed by the running app). */
function storedOrders(): Record<string, unknown>[] {
  const r = signalwatch(['orders', '--store', STORE, '--from', '2026-11-01', '--to', '2026-11-30', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}
const storedIds = () => storedOrders().map((o) => o.id);

test.beforeAll(() => {
  const add = signalwatch([
    'store', 'add', '--name', 'E2E Orders', '--platform', 'shopify', '--shop-domain', SHOP_DOMAIN,
    '--timezone', 'UTC', '--currency', 'USD', '--phone-country', 'US', '--json',
  ]);
  expect(add.stderr).toBe('');
  expect(add.code).toBe(0);
  const created = JSON.parse(add.stdout);
  expect(created.id).toBe(STORE);
  ingestKey = created.ingest_key;
  expect(ingestKey).toMatch(/^sw_ingest_/);
});

test.describe.configure({ mode: 'serial' });

test.describe('POST /api/v1/orders', () => {
  const post = (request: APIRequestContext, body: unknown, key: string | null = ingestKey) =>
    request.post('/api/v1/orders', {
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      // A Buffer goes out byte for byte (Playwright JSON-encodes a string that does not parse as JSON).
      data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    });

  const rows = [
    { id: 'API-1', name: '#A1', processed_at: '2026-11-03T10:00:00Z', value: 49.9, currency: 'USD', user_agent: IPHONE_SAFARI, landing_url: 'https://shop.example/?ttclid=E.C.P.e2e1' },
    { id: 'API-2', processed_at: 'not-a-date', value: 5, currency: 'USD' },
    { id: 'API-3', name: '#A3', processed_at: '2026-11-04T09:00:00Z', value: '12.50', currency: 'eur', channel: 'pos' },
    { id: 'API-4', processed_at: '2026-11-04T10:00:00Z', value: -1, currency: 'USD' },
    { processed_at: '2026-11-04T11:00:00Z', value: 1, currency: 'USD' },
  ];

  test('keeps the good rows and lists the bad ones by index with a reason, in one response', async ({ request }) => {
    const res = await post(request, { orders: rows });
    expect(res.status()).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      received: 5,
      accepted: 2,
      inserted: 2,
      updated: 0,
      unchanged: 0,
      droppedKeys: 0,
      rejected: [
        { index: 1, id: 'API-2', reason: expect.stringMatching(/^processed_at: "not-a-date" is not a date/) },
        { index: 3, id: 'API-4', reason: 'value: must not be negative' },
        { index: 4, reason: expect.stringMatching(/^id: /) },
      ],
    });

    const stored = storedOrders();
    expect(stored.map((o) => o.id)).toEqual(['API-1', 'API-3']);
    expect(stored[0]).toMatchObject({
      name: '#A1', processed_at: '2026-11-03T10:00:00.000Z', value: 49.9, currency: 'USD', in_scope: true,
      attribution: 'click_id', browser: 'Safari', os: 'iOS',
    });
    expect(stored[1]).toMatchObject({ name: '#A3', value: 12.5, currency: 'EUR', channel: 'pos', in_scope: false, scope_reason: 'pos' });
  });

  test('sending the same rows again changes nothing', async ({ request }) => {
    const before = storedOrders();
    const res = await post(request, { orders: rows });
    expect(res.status()).toBe(200);
    expect(await res.json()).toMatchObject({ received: 5, accepted: 2, inserted: 0, updated: 0, unchanged: 2 });
    expect(storedOrders()).toEqual(before);
  });

  test('a missing, malformed or wrong ingest key is 401 in the one error shape, and nothing is stored', async ({ request }) => {
    const order = { orders: [{ id: 'API-NOAUTH', processed_at: '2026-11-05T10:00:00Z', value: 1, currency: 'USD' }] };
    for (const [key, label] of [
      [null, 'no Authorization header'],
      ['', 'empty bearer'],
      ['sw_ingest_wrongwrongwrongwrongwrong', 'unknown key'],
    ] as const) {
      const res = await post(request, order, key);
      expect(res.status(), label).toBe(401);
      expect(await res.json(), label).toEqual(errorShape('unauthorized'));
      expect(res.headers()['content-type']).toMatch(/application\/json/);
    }
    const basic = await request.post('/api/v1/orders', {
      headers: { 'content-type': 'application/json', authorization: `Basic ${ingestKey}` },
      data: Buffer.from(JSON.stringify(order)),
    });
    expect(basic.status()).toBe(401);
    expect(await basic.json()).toEqual(errorShape('unauthorized'));
    expect(storedIds()).not.toContain('API-NOAUTH');
  });

  test('a rotated key stops working at once; the new one works', async ({ request }) => {
    const rotate = signalwatch(['store', 'rotate-key', STORE, '--json']);
    expect(rotate.code).toBe(0);
    const fresh = JSON.parse(rotate.stdout).ingest_key as string;
    expect(fresh).toMatch(/^sw_ingest_/);
    expect(fresh).not.toBe(ingestKey);
    const order = { orders: [{ id: 'API-ROT', processed_at: '2026-11-05T10:00:00Z', value: 2, currency: 'USD' }] };
    const old = await post(request, order);
    expect(old.status()).toBe(401);
    expect(await old.json()).toEqual(errorShape('unauthorized'));
    ingestKey = fresh;
    const res = await post(request, order);
    expect(res.status()).toBe(200);
    expect(await res.json()).toMatchObject({ inserted: 1, rejected: [] });
    expect(storedIds()).toContain('API-ROT');
  });

  test('an unusable body is 400/413 in the one error shape', async ({ request }) => {
    const notJson = await post(request, '{"orders": [');
    expect(notJson.status()).toBe(400);
    expect(await notJson.json()).toEqual(errorShape('invalid_json'));
    const empty = await post(request, { orders: [] });
    expect(empty.status()).toBe(400);
    expect((await empty.json()).error.code).toBe('validation_failed');
    const tooMany = await post(request, {
      orders: Array.from({ length: 5001 }, (_, i) => ({ id: `BIG-${i}`, processed_at: '2026-11-05T10:00:00Z', value: 1, currency: 'USD' })),
    });
    expect(tooMany.status()).toBe(413);
    expect(await tooMany.json()).toEqual(errorShape('payload_too_large'));
    expect(storedIds().some((id) => String(id).startsWith('BIG-'))).toBe(false);
  });
});

test.describe('POST /api/webhooks/shopify', () => {
  const shopifyOrder = (over: Record<string, unknown> = {}) => ({
    id: 5590000000001,
    name: '#W1001',
    email: 'Jane.Doe@Example.com',
    created_at: '2026-11-06T14:00:00Z',
    processed_at: '2026-11-06T14:00:05Z',
    updated_at: '2026-11-06T14:00:10Z',
    cancelled_at: null,
    test: false,
    total_price: '59.45',
    currency: 'USD',
    source_name: 'web',
    landing_site: '/products/x?utm_source=tiktok',
    browser_ip: '203.0.113.7',
    client_details: { user_agent: IPHONE_SAFARI },
    ...over,
  });

  function delivery(body: unknown, opts: { secret?: string; domain?: string; webhookId?: string; topic?: string; drop?: string[] } = {}) {
    const raw = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-shopify-topic': opts.topic ?? 'orders/create',
      'x-shopify-hmac-sha256': createHmac('sha256', opts.secret ?? WEBHOOK_SECRET).update(raw).digest('base64'),
      'x-shopify-shop-domain': opts.domain ?? SHOP_DOMAIN,
      'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
      'x-shopify-triggered-at': '2026-11-06T14:00:11Z',
    };
    for (const h of opts.drop ?? []) delete headers[h];
    return { raw, headers };
  }
  const send = (request: APIRequestContext, d: { raw: Buffer; headers: Record<string, string> }) =>
    request.post('/api/webhooks/shopify', { headers: d.headers, data: d.raw });

  test('before a secret is set a signed delivery is refused (401); set with the CLI, it verifies at once', async ({ request }) => {
    const early = await send(request, delivery(shopifyOrder({ id: 5590000000099 })));
    expect(early.status()).toBe(401);
    expect(await early.json()).toEqual(errorShape('unauthorized'));

    const set = signalwatch(['store', 'secret', STORE, 'shopify_webhook_secret'], WEBHOOK_SECRET);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(storedIds()).not.toContain('5590000000099');
  });

  test('a correctly signed order is 200 and readable afterwards; the same delivery again is acknowledged, no duplicate', async ({ request }) => {
    const webhookId = randomUUID();
    const first = await send(request, delivery(shopifyOrder(), { webhookId }));
    expect(first.status()).toBe(200);
    expect(await first.json()).toEqual({ status: 'processed', topic: 'orders/create' });

    const order = storedOrders().find((o) => o.id === '5590000000001');
    expect(order).toEqual({
      id: '5590000000001', name: '#W1001', processed_at: '2026-11-06T14:00:05.000Z', value: 59.45, currency: 'USD', test: false,
      cancelled_at: null, channel: 'web', in_scope: true, scope_reason: null, attribution: 'utm', attribution_visit: 'last',
      browser: 'Safari', os: 'iOS',
    });

    // Shopify's retry: same webhook id, same bytes.
    const again = await send(request, delivery(shopifyOrder(), { webhookId }));
    expect(again.status()).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', topic: 'orders/create' });
    // Same webhook id with a different (validly signed) body: still the same delivery, not applied.
    const altered = await send(request, delivery(shopifyOrder({ total_price: '1.00', updated_at: '2026-11-07T00:00:00Z' }), { webhookId }));
    expect(altered.status()).toBe(200);
    expect(await altered.json()).toEqual({ status: 'duplicate', topic: 'orders/create' });

    const after = storedOrders().filter((o) => o.id === '5590000000001');
    expect(after).toEqual([order]);
  });

  test('a newer version under a new webhook id updates the one order', async ({ request }) => {
    const cancelled = await send(
      request,
      delivery(shopifyOrder({ updated_at: '2026-11-07T09:00:00Z', cancelled_at: '2026-11-07T09:00:00Z' }), { topic: 'orders/cancelled' }),
    );
    expect(cancelled.status()).toBe(200);
    expect(await cancelled.json()).toEqual({ status: 'processed', topic: 'orders/cancelled' });
    const versions = storedOrders().filter((o) => o.id === '5590000000001');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ cancelled_at: '2026-11-07T09:00:00.000Z', value: 59.45 });
  });

  test('a forged or mismatched HMAC is 401 and writes nothing', async ({ request }) => {
    const forged = await send(request, delivery(shopifyOrder({ id: 5590000000002 }), { secret: 'not-the-secret' }));
    expect(forged.status()).toBe(401);
    expect(await forged.json()).toEqual(errorShape('unauthorized'));

    // Signed correctly, then the body changed in transit.
    const signed = delivery(shopifyOrder({ id: 5590000000003 }));
    const tampered = { raw: Buffer.from(signed.raw.toString().replace('59.45', '0.01')), headers: signed.headers };
    const res = await send(request, tampered);
    expect(res.status()).toBe(401);
    expect(await res.json()).toEqual(errorShape('unauthorized'));

    const garbage = delivery(shopifyOrder({ id: 5590000000004 }));
    garbage.headers['x-shopify-hmac-sha256'] = 'not base64 at all!';
    const bad = await send(request, garbage);
    expect(bad.status()).toBe(401);
    expect(await bad.json()).toEqual(errorShape('unauthorized'));

    const ids = storedIds();
    for (const id of ['5590000000002', '5590000000003', '5590000000004']) expect(ids).not.toContain(id);
  });

  test('an unknown shop domain is 404', async ({ request }) => {
    const res = await send(request, delivery(shopifyOrder({ id: 5590000000005 }), { domain: 'no-such-shop.myshopify.com' }));
    expect(res.status()).toBe(404);
    expect(await res.json()).toEqual(errorShape('not_found'));
  });

  test('missing Shopify headers are 400 and write nothing', async ({ request }) => {
    for (const drop of [
      ['x-shopify-hmac-sha256'],
      ['x-shopify-webhook-id'],
      ['x-shopify-shop-domain'],
      ['x-shopify-topic'],
      ['x-shopify-topic', 'x-shopify-hmac-sha256', 'x-shopify-shop-domain', 'x-shopify-webhook-id'],
    ]) {
      const res = await send(request, delivery(shopifyOrder({ id: 5590000000006 }), { drop }));
      expect(res.status(), drop.join(',')).toBe(400);
      expect(await res.json(), drop.join(',')).toEqual(errorShape('bad_request'));
    }
    expect(storedIds()).not.toContain('5590000000006');
  });

  test('themes/publish becomes a release marker', async ({ request }) => {
    const res = await send(request, delivery({ id: 777, name: 'Dawn — e2e', role: 'main' }, { topic: 'themes/publish' }));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ status: 'processed', topic: 'themes/publish' });
    const rel = signalwatch(['releases', '--store', STORE, '--json']);
    expect(rel.code).toBe(0);
    expect(JSON.parse(rel.stdout)).toEqual([
      expect.objectContaining({ kind: 'theme_publish', name: 'Dawn — e2e', source: 'shopify', released_at: '2026-11-06T14:00:11.000Z' }),
    ]);
  });
});
