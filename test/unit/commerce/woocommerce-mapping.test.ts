import { describe, expect, it } from 'vitest';
import { mapWooOrder } from '@/lib/commerce/woocommerce';

const wooOrder = (over: Record<string, unknown> = {}) => ({
  id: 727,
  number: '727',
  status: 'processing',
  currency: 'USD',
  date_created_gmt: '2025-03-01T10:00:00',
  date_modified_gmt: '2025-03-01T10:00:05',
  date_paid_gmt: '2025-03-01T10:00:04',
  total: '28.44',
  customer_id: 12,
  customer_ip_address: '198.51.100.7',
  customer_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15',
  billing: { email: 'Buyer@Example.com', phone: '+44 20 7946 0018' },
  created_via: 'checkout',
  meta_data: [
    { id: 1, key: '_wc_order_attribution_source_type', value: 'utm' },
    { id: 2, key: '_wc_order_attribution_utm_source', value: 'tiktok' },
    { id: 3, key: '_wc_order_attribution_referrer', value: 'https://www.tiktok.com/' },
    { id: 4, key: '_wc_order_attribution_session_entry', value: 'https://shop.example/p/1?utm_source=tiktok&ttclid=E.C.P.w' },
    { id: 5, key: '_billing_vat', value: { nested: true } },
  ],
  ...over,
});

describe('mapWooOrder', () => {
  it('maps a paid checkout order with attribution meta', () => {
    expect(mapWooOrder(wooOrder())).toEqual({
      kind: 'order',
      order: {
        platformId: '727',
        name: '727',
        processedAt: new Date('2025-03-01T10:00:04Z'),
        createdAt: new Date('2025-03-01T10:00:00Z'),
        updatedAt: new Date('2025-03-01T10:00:05Z'),
        value: 28.44,
        currency: 'USD',
        test: false,
        cancelledAt: null,
        channel: 'checkout',
        email: 'Buyer@Example.com',
        phone: '+44 20 7946 0018',
        externalId: '12',
        ip: '198.51.100.7',
        userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15',
        ttclid: 'E.C.P.w',
        ttp: null,
        visits: {
          first: null,
          last: {
            landingPage: 'https://shop.example/p/1?utm_source=tiktok&ttclid=E.C.P.w',
            referrerUrl: 'https://www.tiktok.com/',
            sourceType: 'utm',
            utmSource: 'tiktok',
            source: null,
          },
        },
        daysToConversion: null,
      },
    });
  });

  it('treats utm_source of a referral visit as the platform source, not a UTM value', () => {
    const mapped = mapWooOrder(
      wooOrder({
        meta_data: [
          { key: '_wc_order_attribution_source_type', value: 'referral' },
          { key: '_wc_order_attribution_utm_source', value: 'tiktok.com' },
        ],
      }),
    );
    expect(mapped.kind === 'order' && mapped.order.visits).toEqual({
      first: null,
      last: { landingPage: null, referrerUrl: null, sourceType: 'referral', utmSource: null, source: 'tiktok.com' },
    });
  });

  it('falls back to creation time, attribution user agent, and guest/empty values', () => {
    const mapped = mapWooOrder(
      wooOrder({
        date_paid_gmt: null,
        status: 'on-hold',
        customer_id: 0,
        customer_user_agent: '',
        customer_ip_address: '',
        billing: { email: '', phone: '' },
        meta_data: [{ key: '_wc_order_attribution_user_agent', value: 'UA from attribution' }],
      }),
    );
    expect(mapped).toMatchObject({
      kind: 'order',
      order: {
        processedAt: new Date('2025-03-01T10:00:00Z'),
        externalId: null,
        ip: null,
        email: null,
        phone: null,
        userAgent: 'UA from attribution',
        visits: { first: null, last: null },
      },
    });
  });

  it('stamps a cancelled paid order with its last modification time', () => {
    const mapped = mapWooOrder(wooOrder({ status: 'cancelled', date_modified_gmt: '2025-03-03T08:00:00' }));
    expect(mapped).toMatchObject({ kind: 'order', order: { cancelledAt: new Date('2025-03-03T08:00:00Z') } });
  });

  it('skips orders that never were a purchase', () => {
    for (const status of ['pending', 'failed', 'checkout-draft', 'trash']) {
      expect(mapWooOrder(wooOrder({ status }))).toEqual({ kind: 'skipped', id: '727', status, reason: 'not a purchase' });
    }
    expect(mapWooOrder(wooOrder({ status: 'cancelled', date_paid_gmt: null }))).toMatchObject({
      kind: 'skipped',
      reason: 'cancelled before payment',
    });
  });

  it('reports an unreadable order with its id', () => {
    expect(mapWooOrder(wooOrder({ total: 'lots' }))).toMatchObject({ kind: 'invalid', id: '727' });
    expect(mapWooOrder(wooOrder({ date_created_gmt: 'yesterday' }))).toMatchObject({ kind: 'invalid', id: '727' });
    expect(mapWooOrder('x')).toMatchObject({ kind: 'invalid', id: null });
  });
});
