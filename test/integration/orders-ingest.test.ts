import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { selectRows } from '@/db/client';
import { getOrder, listOrders } from '@/db/queries/orders';
import { listReleases } from '@/db/queries/releases';
import { ingestOrders } from '@/lib/commerce/ingest';
import { importOrderRows, importOrdersCsv } from '@/lib/commerce/import';
import { receiveShopifyWebhook } from '@/lib/commerce/webhook-intake';
import { createStore, setStoreSecret, type Store } from '@/lib/stores';
import { requireStore } from '@/lib/stores';
import type { OrderInput } from '@/lib/commerce/types';
import { expectNoRawPii } from '../helpers/pii';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const RAW_EMAIL = 'Jane.Doe+shop@Example.com';
const RAW_PHONE = '(213) 373-4253';

const restOrder = (over: Record<string, unknown> = {}) => ({
  id: 5551234567,
  name: '#1001',
  email: RAW_EMAIL,
  phone: RAW_PHONE,
  created_at: '2026-11-02T14:00:00Z',
  processed_at: '2026-11-02T14:00:05Z',
  updated_at: '2026-11-02T14:00:10Z',
  cancelled_at: null,
  test: false,
  total_price: '59.45',
  currency: 'USD',
  source_name: 'web',
  landing_site: '/products/x?ttclid=E.C.P.abc123&utm_source=tiktok',
  referring_site: 'https://www.tiktok.com/',
  browser_ip: '203.0.113.7',
  client_details: { user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1' },
  customer: { id: 777 },
  ...over,
});

const SECRET = 'shpss_current';

function webhook(topic: string, body: unknown, opts: { id?: string; secret?: string; domain?: string; drop?: string } = {}) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers = new Headers({
    'X-Shopify-Topic': topic,
    'X-Shopify-Hmac-Sha256': createHmac('sha256', opts.secret ?? SECRET).update(raw).digest('base64'),
    'X-Shopify-Shop-Domain': opts.domain ?? 'acme.myshopify.com',
    'X-Shopify-Webhook-Id': opts.id ?? crypto.randomUUID(),
    'X-Shopify-Triggered-At': '2026-11-02T14:00:11Z',
  });
  if (opts.drop) headers.delete(opts.drop);
  return { headers, raw };
}

describe.each(testTargets())('orders ingest on %s', (target) => {
  let t: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    t = await createTestDatabase(target);
    await createStore(t.db, {
      name: 'Acme', platform: 'shopify', shop_domain: 'acme.myshopify.com', timezone: 'UTC', currency: 'USD', phone_country: 'US',
    });
    await setStoreSecret(t.db, 'acme', 'shopify_webhook_secret', SECRET);
    await setStoreSecret(t.db, 'acme', 'shopify_webhook_secret_previous', 'shpss_old');
    store = await requireStore(t.db, 'acme');
  });
  afterAll(() => t.cleanup());

  it('webhooks: records one correct order; duplicates, retries and older versions change nothing', async () => {
    const created = webhook('orders/create', restOrder(), { id: 'wh-1' });
    expect(await receiveShopifyWebhook(t.db, created.headers, created.raw)).toMatchObject({ status: 'processed' });
    // Shopify retries with the same webhook id.
    expect(await receiveShopifyWebhook(t.db, created.headers, created.raw)).toMatchObject({ status: 'duplicate' });
    // A newer update arrives, then an older one out of order.
    const cancelled = webhook('orders/cancelled', restOrder({ updated_at: '2026-11-03T09:00:00Z', cancelled_at: '2026-11-03T09:00:00Z' }));
    await receiveShopifyWebhook(t.db, cancelled.headers, cancelled.raw);
    const stale = webhook('orders/paid', restOrder({ updated_at: '2026-11-02T14:00:30Z', total_price: '1.00' }), { secret: 'shpss_old' });
    await receiveShopifyWebhook(t.db, stale.headers, stale.raw);

    const o = (await getOrder(t.db, 'acme', '5551234567'))!;
    expect(o).toMatchObject({
      name: '#1001', value: 59.45, currency: 'USD', inScope: true, scopeReason: null,
      attribution: 'click_id', attributionVisit: 'last', ttclid: 'E.C.P.abc123', browser: 'Safari', os: 'iOS', osMajor: 17,
      ip: '203.0.113.7', source: 'shopify_webhook',
    });
    expect(o.cancelledAt?.toISOString()).toBe('2026-11-03T09:00:00.000Z');
    expect(o.emailSha256).toMatch(/^[a-f0-9]{64}$/);
    expect(o.phoneSha256).toBe('9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd');
    expect(await listOrders(t.db, { storeId: 'acme', from: new Date('2026-01-01'), to: new Date('2027-01-01') })).toHaveLength(1);
  });

  it('webhooks: forged HMAC → 401, unknown shop → 404, missing header → 400; nothing written', async () => {
    const forged = webhook('orders/create', restOrder({ id: 42 }), { secret: 'wrong' });
    await expect(receiveShopifyWebhook(t.db, forged.headers, forged.raw)).rejects.toMatchObject({ status: 401 });
    const unknown = webhook('orders/create', restOrder({ id: 43 }), { domain: 'nope.myshopify.com' });
    await expect(receiveShopifyWebhook(t.db, unknown.headers, unknown.raw)).rejects.toMatchObject({ status: 404 });
    const noId = webhook('orders/create', restOrder({ id: 44 }), { drop: 'X-Shopify-Webhook-Id' });
    await expect(receiveShopifyWebhook(t.db, noId.headers, noId.raw)).rejects.toMatchObject({ status: 400 });
    const bad = webhook('orders/create', restOrder({ id: 45, total_price: 'free' }));
    await expect(receiveShopifyWebhook(t.db, bad.headers, bad.raw)).rejects.toMatchObject({ status: 400 });
    for (const id of ['42', '43', '44', '45']) expect(await getOrder(t.db, 'acme', id)).toBeUndefined();
  });

  it('webhooks: the admin test notification is acknowledged and ignored; themes/publish is a release', async () => {
    const test = webhook('orders/create', { ...restOrder({ id: 820982911946154500, name: '#9999', test: true }), processed_at: null });
    expect(await receiveShopifyWebhook(t.db, test.headers, test.raw)).toMatchObject({ status: 'ignored' });
    expect(await getOrder(t.db, 'acme', '820982911946154500')).toBeUndefined();
    const theme = webhook('themes/publish', { id: 1234, name: 'Dawn — checkout v2', role: 'main' });
    await receiveShopifyWebhook(t.db, theme.headers, theme.raw);
    const rel = await listReleases(t.db, 'acme');
    expect(rel).toHaveLength(1);
    expect(rel[0]).toMatchObject({ kind: 'theme_publish', name: 'Dawn — checkout v2', source: 'shopify' });
  });

  it('the pull merges with webhook evidence: the journey refines attribution, the UA stays', async () => {
    const pulled: OrderInput = {
      platformId: '5551234567', name: '#1001', processedAt: new Date('2026-11-02T14:00:05Z'), updatedAt: new Date('2026-11-03T09:00:00Z'),
      value: 59.45, currency: 'USD', test: false, cancelledAt: new Date('2026-11-03T09:00:00Z'), channel: 'web', email: null, phone: null,
      visits: { first: { occurredAt: new Date('2026-10-20T10:00:00Z'), landingPage: '/?utm_source=tiktok' }, last: { landingPage: '/x' } },
      daysToConversion: 13,
    };
    const summary = await ingestOrders(t.db, store, [pulled], 'shopify_pull');
    expect(summary).toMatchObject({ inserted: 0, updated: 1 });
    const o = (await getOrder(t.db, 'acme', '5551234567'))!;
    expect(o).toMatchObject({ attribution: 'click_id', browser: 'Safari', daysToConversion: 13 });
    expect(o.emailSha256).toMatch(/^[a-f0-9]{64}$/);
    // The same pull again changes nothing.
    expect(await ingestOrders(t.db, store, [pulled], 'shopify_pull')).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
  });

  it('JSON API rows: bad rows reported by index, good rows kept, re-import idempotent', async () => {
    const rows = [
      { id: 'A-1', processed_at: '2026-11-04T10:00:00Z', value: 10, currency: 'EUR', email: 'X@Y.com', utm_source: 'TikTok' },
      { id: 'A-2', processed_at: 'yesterday', value: 10, currency: 'EUR' },
      { id: 'A-3', processed_at: '2026-11-04T10:00:00Z', value: -5, currency: 'EUR' },
      { id: 'A-4', processed_at: '2026-11-04T10:00:00Z', value: '12.50', currency: 'XYZ' },
      { id: 'A-5', processed_at: '2026-11-04T11:00:00Z', value: '12.50', currency: 'usd', channel: 'pos' },
    ];
    const r = await importOrderRows(t.db, store, rows, { source: 'api' });
    expect(r).toMatchObject({ received: 5, accepted: 2, inserted: 2 });
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2, 3]);
    expect(r.rejected[0]!.reason).toMatch(/processed_at/);
    expect(r.rejected[1]!.reason).toMatch(/negative/);
    expect(r.rejected[2]!.reason).toMatch(/ISO 4217/);
    expect(await getOrder(t.db, 'acme', 'A-1')).toMatchObject({ attribution: 'utm', inScope: true });
    expect(await getOrder(t.db, 'acme', 'A-5')).toMatchObject({ inScope: false, scopeReason: 'pos' });
    expect(await importOrderRows(t.db, store, rows, { source: 'api' })).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    await expect(importOrderRows(t.db, store, new Array(5001).fill(rows[0]), { source: 'api', max: 5000 })).rejects.toMatchObject({ status: 413 });
  });

  it('CSV: missing columns import nothing; bad rows reported by row number; idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-csv-'));
    const missing = join(dir, 'missing.csv');
    writeFileSync(missing, 'id,value,currency\nC-9,1,USD\n');
    await expect(importOrdersCsv(t.db, store, missing)).rejects.toThrow(/missing required column\(s\) processed_at/);
    expect(await getOrder(t.db, 'acme', 'C-9')).toBeUndefined();

    const good = join(dir, 'orders.csv');
    writeFileSync(
      good,
      'id,processed_at,value,currency,email,phone,landing_url\n' +
        'C-1,2026-11-05T10:00:00Z,19.99,USD,a@b.com,+44 7700 900123,https://shop.example/?ttclid=CLK1\n' +
        'C-2,not-a-date,5,USD,,,\n' +
        '"C-3","2026-11-05T12:00:00Z","7.5","usd","","",""\n',
    );
    const r = await importOrdersCsv(t.db, store, good);
    expect(r).toMatchObject({ received: 3, accepted: 2, inserted: 2 });
    expect(r.rejected).toEqual([{ index: 2, id: 'C-2', reason: expect.stringMatching(/processed_at/) }]);
    expect(await getOrder(t.db, 'acme', 'C-1')).toMatchObject({ attribution: 'click_id', ttclid: 'CLK1' });
    expect(await importOrdersCsv(t.db, store, good)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });

    const malformed = join(dir, 'malformed.csv');
    writeFileSync(malformed, 'id,processed_at,value,currency\nC-7,2026-11-05T10:00:00Z,1,USD\nC-8,"2026-11-05,1,USD\n');
    await expect(importOrdersCsv(t.db, store, malformed)).rejects.toThrow(/nothing was imported/);
    expect(await getOrder(t.db, 'acme', 'C-7')).toBeUndefined();
  });

  it('CSV: a failure after earlier batches were written imports nothing; a later import still works', async () => {
    // More than one 2,000-line batch, so batch 1 was already sent (pipelined) when the failure comes.
    const dir = mkdtempSync(join(tmpdir(), 'sw-csv-'));
    const lines = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `P-${from + i},2026-11-06T10:00:00Z,${(from + i) % 300}.5,USD,p${from + i}@example.com`);
    const header = 'id,processed_at,value,currency,email\n';
    const countP = async () =>
      (await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from orders where store_id = 'acme' and platform_id like 'P-%'`))[0]!.n;

    // The database refuses a row validation accepts (a year Postgres cannot store), in batch 2.
    const dbFails = join(dir, 'db-fails.csv');
    writeFileSync(dbFails, header + [...lines(0, 2600), 'P-X,-100000-01-01T00:00:00Z,1,USD,', ...lines(2600, 4500)].join('\n') + '\n');
    await expect(importOrdersCsv(t.db, store, dbFails)).rejects.toThrow(/nothing was imported/);
    expect(await countP()).toBe(0);

    // A malformed line in batch 3, after two batches were written.
    const malformed = join(dir, 'malformed-late.csv');
    writeFileSync(malformed, header + [...lines(0, 4500), 'P-Y,"2026-11-06,1,USD,', ...lines(4500, 4600)].join('\n') + '\n');
    await expect(importOrdersCsv(t.db, store, malformed)).rejects.toThrow(/nothing was imported/);
    expect(await countP()).toBe(0);

    // The same connection pool imports a good file afterwards; counts add up across batches.
    const good = join(dir, 'good-large.csv');
    writeFileSync(good, header + [...lines(0, 4500), 'P-bad,2026-11-06T10:00:00Z,-1,USD,', 'P-1,2026-11-06T10:00:00Z,1.5,USD,'].join('\n') + '\n');
    const progress: number[] = [];
    const r = await importOrdersCsv(t.db, store, good, (rows) => progress.push(rows));
    expect(r).toMatchObject({ received: 4502, accepted: 4501, inserted: 4500, updated: 0, unchanged: 1 });
    expect(r.rejected).toEqual([{ index: 4501, id: 'P-bad', reason: 'value: must not be negative' }]);
    expect(progress.at(-1)).toBe(4502);
    expect(await countP()).toBe(4500);
    expect(await importOrdersCsv(t.db, store, good)).toMatchObject({ inserted: 0, updated: 0, unchanged: 4501 });
  });

  it('no raw email or phone exists anywhere in the database', async () => {
    await expectNoRawPii(t.db, [RAW_EMAIL, 'jane.doe', '373-4253', '2133734253', 'a@b.com', 'x@y.com', '7700 900123', '7700900123']);
  });
});
