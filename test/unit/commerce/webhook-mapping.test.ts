import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isShopifyTestNotification,
  mapWebhookOrder,
  parseThemePublish,
  readShopifyWebhookHeaders,
  verifyShopifyHmac,
} from '@/lib/commerce/shopify';
import { AppError } from '@/lib/http/errors';
import { buildFakeOrder, restPayloadFor, testNotificationPayload } from '@/sandbox/shopify/orders';

const sign = (body: Buffer, secret: string) => createHmac('sha256', secret).update(body).digest('base64');

const restOrder = {
  id: 5_123_456_789_012,
  name: '#1042',
  email: 'Zoë.Shopper@Example.com',
  phone: '+1 (415) 555-0100',
  created_at: '2025-03-01T09:59:00-05:00',
  processed_at: '2025-03-01T10:00:00-05:00',
  updated_at: '2025-03-01T10:05:00-05:00',
  cancelled_at: null,
  test: false,
  total_price: '129.90',
  currency: 'EUR',
  financial_status: 'paid',
  source_name: 'web',
  landing_site: '/products/hat?utm_source=tiktok&ttclid=E.C.P.landing',
  referring_site: 'https://www.tiktok.com/',
  browser_ip: '203.0.113.9',
  client_details: { browser_ip: '203.0.113.9', user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)' },
  customer: { id: 7_001_002_003 },
  note_attributes: [
    { name: '_ttp', value: '2abcTTP' },
    { name: 'gift', value: 'no' },
  ],
  checkout_token: 'ct_1',
  cart_token: 'cart_1',
};

describe('verifyShopifyHmac', () => {
  const body = Buffer.from('{"id": 1,  "name":"#1001", "note":"caf\u00e9"}', 'utf8');

  it('accepts the signature of the current secret over the raw bytes', () => {
    expect(verifyShopifyHmac(body, sign(body, 'new-secret'), ['new-secret', 'old-secret'])).toBe(true);
  });

  it('accepts the previous secret during a rotation', () => {
    expect(verifyShopifyHmac(body, sign(body, 'old-secret'), ['new-secret', 'old-secret'])).toBe(true);
  });

  it('rejects another secret, a re-serialized body, a truncated or missing header, and empty secrets', () => {
    expect(verifyShopifyHmac(body, sign(body, 'attacker'), ['new-secret'])).toBe(false);
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    expect(verifyShopifyHmac(reserialized, sign(body, 'new-secret'), ['new-secret'])).toBe(false);
    expect(verifyShopifyHmac(body, sign(body, 'new-secret').slice(0, 20), ['new-secret'])).toBe(false);
    expect(verifyShopifyHmac(body, undefined, ['new-secret'])).toBe(false);
    expect(verifyShopifyHmac(body, '', ['new-secret'])).toBe(false);
    expect(verifyShopifyHmac(body, sign(body, ''), [''])).toBe(false);
    expect(verifyShopifyHmac(body, sign(body, 'new-secret'), [])).toBe(false);
  });
});

describe('readShopifyWebhookHeaders', () => {
  const values = {
    'X-Shopify-Topic': 'orders/create',
    'X-Shopify-Hmac-Sha256': 'abc=',
    'X-Shopify-Shop-Domain': 'shop.myshopify.com',
    'X-Shopify-API-Version': '2025-10',
    'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    'X-Shopify-Triggered-At': '2025-03-01T15:00:00.123Z',
    'X-Shopify-Event-Id': 'e-1',
  };

  it('reads fetch Headers and node header records case-insensitively', () => {
    const expected = {
      topic: 'orders/create',
      hmac: 'abc=',
      shopDomain: 'shop.myshopify.com',
      webhookId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      apiVersion: '2025-10',
      triggeredAt: new Date('2025-03-01T15:00:00.123Z'),
      eventId: 'e-1',
    };
    expect(readShopifyWebhookHeaders(new Headers(values))).toEqual(expected);
    const lower = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
    expect(readShopifyWebhookHeaders(lower)).toEqual(expected);
  });

  it('refuses a request without the webhook id or signature', () => {
    const { 'X-Shopify-Webhook-Id': _id, ...withoutId } = values;
    expect(() => readShopifyWebhookHeaders(withoutId)).toThrow(AppError);
    expect(() => readShopifyWebhookHeaders({})).toThrow(/X|topic|hmac/i);
  });
});

describe('mapWebhookOrder', () => {
  it('maps the REST order to OrderInput', () => {
    expect(mapWebhookOrder(restOrder)).toEqual({
      platformId: '5123456789012',
      name: '#1042',
      processedAt: new Date('2025-03-01T15:00:00Z'),
      createdAt: new Date('2025-03-01T14:59:00Z'),
      updatedAt: new Date('2025-03-01T15:05:00Z'),
      value: 129.9,
      currency: 'EUR',
      test: false,
      cancelledAt: null,
      channel: 'web',
      email: 'Zoë.Shopper@Example.com',
      phone: '+1 (415) 555-0100',
      externalId: '7001002003',
      ip: '203.0.113.9',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)',
      ttclid: 'E.C.P.landing',
      ttp: '2abcTTP',
      visits: {
        first: null,
        last: { landingPage: '/products/hat?utm_source=tiktok&ttclid=E.C.P.landing', referrerUrl: 'https://www.tiktok.com/' },
      },
      daysToConversion: null,
    });
  });

  it('prefers a ttclid note attribute, and tolerates missing optional parts', () => {
    const mapped = mapWebhookOrder({
      ...restOrder,
      note_attributes: [{ name: 'ttclid', value: 'from-attribute' }],
      landing_site: '/wallets/checkouts.json',
      referring_site: null,
      client_details: null,
      browser_ip: null,
      customer: null,
      cancelled_at: '2025-03-02T08:00:00Z',
    });
    expect(mapped).toMatchObject({
      ttclid: 'from-attribute',
      userAgent: null,
      ip: null,
      externalId: null,
      cancelledAt: new Date('2025-03-02T08:00:00Z'),
      visits: { first: null, last: { landingPage: '/wallets/checkouts.json', referrerUrl: null } },
    });
  });

  it('has no visit when neither landing nor referring site is known', () => {
    expect(mapWebhookOrder({ ...restOrder, landing_site: null, referring_site: null }).visits).toEqual({ first: null, last: null });
  });

  it('rejects a body it cannot use with a 400', () => {
    for (const bad of [null, {}, { ...restOrder, total_price: 'free' }, { ...restOrder, id: 'abc' }, { ...restOrder, processed_at: null, created_at: null }]) {
      let caught: unknown;
      try {
        mapWebhookOrder(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(400);
    }
  });

  it('round-trips the fake Shopify webhook payload', () => {
    const order = buildFakeOrder(
      {
        processedAt: '2025-03-01T10:00:00Z',
        total: 20,
        email: 'a@example.com',
        userAgent: 'UA',
        lastVisit: { landingPage: 'https://shop.example/p?ttclid=abc', referrerUrl: 'https://vm.tiktok.com/x' },
        customAttributes: { _ttp: 'ttp-1' },
      },
      42,
      new Date('2025-03-01T10:00:00Z'),
    );
    expect(mapWebhookOrder(restPayloadFor(order))).toMatchObject({
      platformId: '42',
      value: 20,
      userAgent: 'UA',
      ttclid: 'abc',
      ttp: 'ttp-1',
      visits: { last: { landingPage: '/p?ttclid=abc', referrerUrl: 'https://vm.tiktok.com/x' } },
    });
  });
});

describe('isShopifyTestNotification', () => {
  it('recognizes the admin test payload and nothing else', () => {
    expect(isShopifyTestNotification(testNotificationPayload())).toBe(true);
    expect(isShopifyTestNotification(restOrder)).toBe(false);
    expect(isShopifyTestNotification({ ...restOrder, test: true })).toBe(false);
    expect(isShopifyTestNotification({ name: '#9999', test: false })).toBe(false);
    expect(isShopifyTestNotification('nope')).toBe(false);
  });
});

describe('parseThemePublish', () => {
  it('reads the theme id and name', () => {
    expect(parseThemePublish({ id: 828155753, name: 'Dawn (checkout fix)', role: 'main' })).toEqual({
      themeId: '828155753',
      name: 'Dawn (checkout fix)',
    });
    expect(() => parseThemePublish({ name: 'no id' })).toThrow(AppError);
  });
});
