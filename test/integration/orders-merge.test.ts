/**
 * How versions of one order from different paths merge (db/queries/orders.ts): pending attribution,
 * the TikTok Shop verdict, and personal data after the retention purge. Webhooks go through the
 * real intake (its own statement), the pull through ingestOrders, on a real database.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrder, pendingAttributionDays } from '@/db/queries/orders';
import { ingestOrders } from '@/lib/commerce/ingest';
import { receiveShopifyWebhook } from '@/lib/commerce/webhook-intake';
import type { OrderInput } from '@/lib/commerce/types';
import { createStore, requireStore, setStoreSecret, updateStoreSettings, type Store } from '@/lib/stores';
import { retentionPurge } from '@/jobs/retention-purge';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const SECRET = 'shpss_merge';
const DOMAIN = 'merge.myshopify.com';
const PROCESSED = '2026-11-02T14:00:05Z';
const UPDATED = '2026-11-02T14:00:10Z';

/** A REST order as orders/* webhooks carry it: no journey, only the checkout session. */
const restOrder = (id: number, over: Record<string, unknown> = {}) => ({
  id,
  name: `#${id}`,
  email: 'jane@example.com',
  phone: null,
  created_at: PROCESSED,
  processed_at: PROCESSED,
  updated_at: UPDATED,
  cancelled_at: null,
  test: false,
  total_price: '20.00',
  currency: 'USD',
  source_name: 'web',
  landing_site: '/products/x',
  referring_site: null,
  browser_ip: '203.0.113.7',
  client_details: { user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36' },
  customer: { id: 777 },
  note_attributes: [{ name: '_ttp', value: 'ttp-cookie' }],
  ...over,
});

/** The same order as the GraphQL pull maps it. */
const pulledOrder = (id: number, visits: OrderInput['visits'], over: Partial<OrderInput> = {}): OrderInput => ({
  platformId: String(id),
  name: `#${id}`,
  processedAt: new Date(PROCESSED),
  updatedAt: new Date(UPDATED),
  value: 20,
  currency: 'USD',
  test: false,
  channel: 'web',
  email: null,
  phone: null,
  visits,
  ...over,
});

describe.each(testTargets())('order merge on %s', (target) => {
  let t: TestDatabase;
  let store: Store;

  const sendWebhook = async (body: unknown) => {
    const raw = Buffer.from(JSON.stringify(body));
    const headers = new Headers({
      'X-Shopify-Topic': 'orders/updated',
      'X-Shopify-Hmac-Sha256': createHmac('sha256', SECRET).update(raw).digest('base64'),
      'X-Shopify-Shop-Domain': DOMAIN,
      'X-Shopify-Webhook-Id': crypto.randomUUID(),
    });
    expect(await receiveShopifyWebhook(t.db, headers, raw)).toMatchObject({ status: 'processed' });
  };
  const pull = (order: OrderInput) => ingestOrders(t.db, store, [order], 'shopify_pull');
  const order = async (id: number) => (await getOrder(t.db, store.id, String(id)))!;

  beforeAll(async () => {
    t = await createTestDatabase(target);
    await createStore(t.db, { name: 'Merge', platform: 'shopify', shop_domain: DOMAIN, timezone: 'UTC', currency: 'USD', phone_country: 'US' });
    await setStoreSecret(t.db, 'merge', 'shopify_webhook_secret', SECRET);
    store = await requireStore(t.db, 'merge');
  });
  afterAll(() => t.cleanup());

  describe('pending attribution', () => {
    it('a ready journey without TikTok evidence resolves pending to none, and the day is no longer re-read', async () => {
      await pull(pulledOrder(101, 'pending'));
      expect(await order(101)).toMatchObject({ attribution: 'pending' });
      expect(await pendingAttributionDays(t.db, store.id)).toEqual(['2026-11-02']);

      await pull(pulledOrder(101, { first: null, last: { landingPage: '/products/x', source: 'google' } }));
      expect(await order(101)).toMatchObject({ attribution: 'none', attributionVisit: null });
      expect(await pendingAttributionDays(t.db, store.id)).toEqual([]);
    });

    it("a webhook without evidence keeps pending (it never sees the journey); the pull's answer still lands", async () => {
      await pull(pulledOrder(102, 'pending'));
      await sendWebhook(restOrder(102));
      expect(await order(102)).toMatchObject({ attribution: 'pending', browser: 'Chrome' });
      expect(await pendingAttributionDays(t.db, store.id)).toEqual(['2026-11-02']);

      await pull(pulledOrder(102, { first: null, last: { landingPage: '/?utm_source=tiktok', source: 'tiktok' } }));
      expect(await order(102)).toMatchObject({ attribution: 'utm', utmSource: 'tiktok', attributionVisit: 'last' });
      expect(await pendingAttributionDays(t.db, store.id)).toEqual([]);
    });

    it("a webhook's real evidence replaces pending; a later pending or none never erases real evidence", async () => {
      await pull(pulledOrder(103, 'pending'));
      await sendWebhook(restOrder(103, { referring_site: 'https://www.tiktok.com/@shop' }));
      expect(await order(103)).toMatchObject({ attribution: 'referrer', referrerHost: 'www.tiktok.com' });

      await pull(pulledOrder(103, 'pending'));
      expect(await order(103)).toMatchObject({ attribution: 'referrer' });
      await pull(pulledOrder(103, { first: null, last: null }));
      expect(await order(103)).toMatchObject({ attribution: 'referrer', referrerHost: 'www.tiktok.com' });
      // Stronger real evidence still wins.
      await pull(pulledOrder(103, { first: { landingPage: '/?ttclid=E.C.P.x1' }, last: null }));
      expect(await order(103)).toMatchObject({ attribution: 'click_id', attributionVisit: 'first' });
    });

    it("a pending pull after a webhook's none asks for the journey to be read", async () => {
      await sendWebhook(restOrder(104));
      expect(await order(104)).toMatchObject({ attribution: 'none' });
      await pull(pulledOrder(104, 'pending'));
      expect(await order(104)).toMatchObject({ attribution: 'pending' });
      await pull(pulledOrder(104, { first: null, last: null }));
      expect(await order(104)).toMatchObject({ attribution: 'none' });
      expect(await pendingAttributionDays(t.db, store.id)).toEqual([]);
    });
  });

  describe('withheld journey (protected customer data)', () => {
    it('is unknown, not none; a webhook keeps it unknown; a readable journey later resolves it', async () => {
      await pull(pulledOrder(105, 'withheld'));
      expect(await order(105)).toMatchObject({ attribution: 'unknown', attributionVisit: null });
      expect(await pendingAttributionDays(t.db, store.id)).toEqual([]); // nothing to re-read: Shopify will not show it
      await sendWebhook(restOrder(105));
      expect(await order(105)).toMatchObject({ attribution: 'unknown' });
      // Access granted: the journey reads, without TikTok evidence.
      await pull(pulledOrder(105, { first: null, last: { landingPage: '/products/x', source: 'google' } }));
      expect(await order(105)).toMatchObject({ attribution: 'none' });
    });

    it('a pending journey that turns out withheld becomes unknown; real evidence replaces unknown', async () => {
      await pull(pulledOrder(106, 'pending'));
      await pull(pulledOrder(106, 'withheld'));
      expect(await order(106)).toMatchObject({ attribution: 'unknown' });
      await sendWebhook(restOrder(106, { landing_site: '/?ttclid=E.C.P.w1' }));
      expect(await order(106)).toMatchObject({ attribution: 'click_id' });
      await pull(pulledOrder(106, 'withheld'));
      expect(await order(106)).toMatchObject({ attribution: 'click_id' });
    });
  });

  describe('TikTok Shop (marketplace) verdict', () => {
    const CONNECTOR = '5806573'; // an app id as source_name, like a TikTok Shop connector's
    const placeholder = { email: 'buyer123@scs.tiktokw.us', source_name: CONNECTOR, landing_site: null };

    it("a pull without the (protected) email keeps the webhook's marketplace verdict, even when newer", async () => {
      await sendWebhook(restOrder(201, placeholder));
      expect(await order(201)).toMatchObject({ inScope: false, scopeReason: 'marketplace' });

      await pull(pulledOrder(201, { first: null, last: null }, { channel: CONNECTOR }));
      expect(await order(201)).toMatchObject({ inScope: false, scopeReason: 'marketplace' });
      await pull(pulledOrder(201, { first: null, last: null }, { channel: CONNECTOR, updatedAt: new Date('2026-11-03T09:00:00Z'), cancelledAt: new Date('2026-11-03T09:00:00Z') }));
      expect(await order(201)).toMatchObject({ inScope: false, scopeReason: 'marketplace' });
      expect((await order(201)).cancelledAt?.toISOString()).toBe('2026-11-03T09:00:00.000Z');
    });

    it('an older webhook with the placeholder email still marks an order pulled without evidence', async () => {
      await pull(pulledOrder(202, { first: null, last: null }, { channel: CONNECTOR, updatedAt: new Date('2026-11-03T09:00:00Z') }));
      expect(await order(202)).toMatchObject({ inScope: true });
      await sendWebhook(restOrder(202, placeholder));
      expect(await order(202)).toMatchObject({ inScope: false, scopeReason: 'marketplace' });
    });

    it('evidence against it (a real email, or the store checkout) replaces the verdict', async () => {
      await sendWebhook(restOrder(203, placeholder));
      await pull(pulledOrder(203, { first: null, last: null }, { channel: CONNECTOR, email: 'jane@example.com' }));
      expect(await order(203)).toMatchObject({ inScope: true, scopeReason: null });

      await sendWebhook(restOrder(204, placeholder));
      await pull(pulledOrder(204, { first: null, last: null }, { channel: 'web' }));
      expect(await order(204)).toMatchObject({ inScope: true, scopeReason: null });
    });
  });

  describe('retention purge', () => {
    const NOW = new Date('2026-12-20T03:20:00Z');
    const recent = (id: number) => restOrder(id, { processed_at: '2026-12-10T10:00:00Z', created_at: '2026-12-10T10:00:00Z', updated_at: '2026-12-10T10:00:10Z' });

    it('nulls hashes, IP, user agent, ttclid and ttp of orders past retention only; they do not come back', async () => {
      await updateStoreSettings(t.db, store.id, { retention_days: '40' });
      // Retention 40 days: processed 2026-11-02 (48 days before NOW) is past it, 2026-12-10 (10 days) is not.
      await sendWebhook(restOrder(301, { landing_site: '/p?ttclid=E.C.P.old', phone: '+1 213 373 4253' }));
      await sendWebhook(recent(302));
      const before = await order(301);
      expect(before).toMatchObject({ ip: '203.0.113.7', ttclid: 'E.C.P.old', ttp: 'ttp-cookie', userAgent: expect.any(String) });
      expect(before.phoneSha256).toMatch(/^[a-f0-9]{64}$/);

      const result = await retentionPurge.run({ db: t.db, now: NOW, log: () => {} });
      expect(result).toMatchObject({ purged: expect.any(Number) });

      const purged = await order(301);
      expect(purged).toMatchObject({
        emailSha256: null, phoneSha256: null, externalIdSha256: null, ip: null, userAgent: null, ttclid: null, ttp: null,
        // What is not personal data stays.
        attribution: 'click_id', browser: 'Chrome', value: 20,
      });
      expect(purged.piiPurgedAt).toBeInstanceOf(Date);
      const kept = await order(302);
      expect(kept).toMatchObject({ ip: '203.0.113.7', ttp: 'ttp-cookie', userAgent: expect.any(String), piiPurgedAt: null });
      expect(kept.emailSha256).toMatch(/^[a-f0-9]{64}$/);
      expect(kept.externalIdSha256).toMatch(/^[a-f0-9]{64}$/);

      // A later webhook (newer version) and pull of the purged order bring nothing back.
      await sendWebhook(restOrder(301, { landing_site: '/p?ttclid=E.C.P.old', updated_at: '2026-12-19T00:00:00Z', cancelled_at: '2026-12-19T00:00:00Z' }));
      await pull(pulledOrder(301, { first: null, last: { landingPage: '/p?ttclid=E.C.P.old' } }, { email: 'jane@example.com', ip: '203.0.113.7', ttp: 'x' }));
      const after = await order(301);
      expect(after).toMatchObject({ emailSha256: null, phoneSha256: null, externalIdSha256: null, ip: null, userAgent: null, ttclid: null, ttp: null });
      expect(after.cancelledAt?.toISOString()).toBe('2026-12-19T00:00:00.000Z');

      // A second run has nothing left to purge.
      expect(await retentionPurge.run({ db: t.db, now: NOW, log: () => {} })).toMatchObject({ purged: 0 });
    });
  });
});
