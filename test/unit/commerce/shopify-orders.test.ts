import { describe, expect, it } from 'vitest';
import { splitIntoUtcDays, visibilityWarnings } from '@/lib/commerce/shopify';
import { clickIdsFromAttributes, legacyIdFromGid, parseOrderNode } from '@/lib/commerce/shopify/orders';
import { parseSearchQuery, UnsupportedSearchError, type SearchableOrder } from '@/sandbox/shopify/search';

const node = (over: Record<string, unknown> = {}) => ({
  id: 'gid://shopify/Order/5001',
  legacyResourceId: '5001',
  name: '#1001',
  processedAt: '2025-03-01T10:00:00Z',
  createdAt: '2025-03-01T09:59:58Z',
  updatedAt: '2025-03-01T10:01:00Z',
  cancelledAt: null,
  test: false,
  displayFinancialStatus: 'PAID',
  sourceName: 'web',
  totalPriceSet: { shopMoney: { amount: '59.5', currencyCode: 'CAD' } },
  email: 'a@example.com',
  phone: '+15145550000',
  clientIp: '2001:db8::1',
  customer: { id: 'gid://shopify/Customer/777' },
  customAttributes: [{ key: '_ttp', value: 'ttp-cookie' }],
  customerJourneySummary: {
    ready: true,
    daysToConversion: 3,
    firstVisit: {
      occurredAt: '2025-02-26T08:00:00Z',
      landingPage: 'https://shop.example/?ttclid=first',
      referrerUrl: null,
      source: 'TikTok',
      sourceType: 'AD',
      utmParameters: { source: 'tiktok', medium: 'paid', campaign: null, content: null, term: null },
    },
    lastVisit: {
      occurredAt: '2025-03-01T09:50:00Z',
      landingPage: 'https://shop.example/cart',
      referrerUrl: 'https://google.com/',
      source: 'Google',
      sourceType: 'SEO',
      utmParameters: null,
    },
  },
  ...over,
});

describe('parseOrderNode', () => {
  it('maps a GraphQL order node', () => {
    expect(parseOrderNode(node())).toEqual({
      ok: true,
      order: {
        platformId: '5001',
        name: '#1001',
        processedAt: new Date('2025-03-01T10:00:00Z'),
        createdAt: new Date('2025-03-01T09:59:58Z'),
        updatedAt: new Date('2025-03-01T10:01:00Z'),
        value: 59.5,
        currency: 'CAD',
        test: false,
        cancelledAt: null,
        channel: 'web',
        email: 'a@example.com',
        phone: '+15145550000',
        externalId: '777',
        ip: '2001:db8::1',
        userAgent: null,
        ttclid: 'first',
        ttp: 'ttp-cookie',
        visits: {
          first: {
            occurredAt: new Date('2025-02-26T08:00:00Z'),
            landingPage: 'https://shop.example/?ttclid=first',
            referrerUrl: null,
            source: 'TikTok',
            sourceType: 'AD',
            utmSource: 'tiktok',
          },
          last: {
            occurredAt: new Date('2025-03-01T09:50:00Z'),
            landingPage: 'https://shop.example/cart',
            referrerUrl: 'https://google.com/',
            source: 'Google',
            sourceType: 'SEO',
            utmSource: null,
          },
        },
        daysToConversion: 3,
      },
    });
  });

  it('marks visits pending while the journey is not ready', () => {
    const parsed = parseOrderNode(
      node({ customerJourneySummary: { ready: false, daysToConversion: null, firstVisit: null, lastVisit: null } }),
    );
    expect(parsed.ok && parsed.order).toMatchObject({ visits: 'pending', daysToConversion: null, ttclid: null });
  });

  it('accepts protected fields left null', () => {
    const parsed = parseOrderNode(node({ email: null, phone: null, customer: null, customerJourneySummary: null }));
    expect(parsed.ok && parsed.order).toMatchObject({ email: null, phone: null, externalId: null, visits: { first: null, last: null } });
  });

  it('reports a node it cannot read, with its id', () => {
    expect(parseOrderNode(node({ totalPriceSet: { shopMoney: { amount: 'n/a', currencyCode: 'USD' } } }))).toMatchObject({
      ok: false,
      id: 'gid://shopify/Order/5001',
    });
  });
});

describe('helpers', () => {
  it('reads legacy ids from gids', () => {
    expect(legacyIdFromGid('gid://shopify/Customer/123')).toBe('123');
    expect(legacyIdFromGid('odd')).toBe('odd');
  });

  it('reads click ids from checkout attributes', () => {
    expect(clickIdsFromAttributes([['TTCLID', ' a '], ['_ttp', 'b'], ['ttclid', 'second']])).toEqual({ ttclid: 'a', ttp: 'b' });
    expect(clickIdsFromAttributes([['ttclid', ''], ['_ttp', null]])).toEqual({});
  });

  it('splits a window at UTC midnights', () => {
    expect(
      splitIntoUtcDays({ from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-03T00:00:00Z') }).map((d) => [
        d.day,
        d.from.toISOString(),
        d.to.toISOString(),
      ]),
    ).toEqual([
      ['2025-03-01', '2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z'],
      ['2025-03-02', '2025-03-02T00:00:00.000Z', '2025-03-03T00:00:00.000Z'],
    ]);
    expect(
      splitIntoUtcDays({ from: new Date('2025-03-01T18:00:00Z'), to: new Date('2025-03-02T06:00:00Z') }).map((d) => d.day),
    ).toEqual(['2025-03-01', '2025-03-02']);
  });

  it('warns when the window reaches past 60 days', () => {
    const now = new Date('2025-05-01T00:00:00Z');
    expect(visibilityWarnings({ from: new Date('2025-03-15T00:00:00Z'), to: now }, now)).toEqual([]);
    expect(visibilityWarnings({ from: new Date('2025-02-01T00:00:00Z'), to: now }, now)[0]).toMatch(/read_all_orders/);
  });
});

describe('fake Shopify search grammar', () => {
  const order: SearchableOrder = {
    processedAt: new Date('2025-03-01T12:00:00Z'),
    createdAt: new Date('2025-03-01T11:00:00Z'),
    updatedAt: new Date('2025-03-05T00:00:00Z'),
    test: false,
    sourceName: 'web',
  };

  it('ANDs whitespace-separated comparisons with quoted or bare dates', () => {
    const match = (q: string) => parseSearchQuery(q).filter(order);
    expect(match("processed_at:>='2025-03-01T00:00:00Z' processed_at:<'2025-03-02T00:00:00Z'")).toBe(true);
    expect(match("processed_at:>='2025-03-01T12:00:00Z' processed_at:<'2025-03-01T12:00:00Z'")).toBe(false);
    expect(match('updated_at:>=2025-03-05 test:false source_name:web')).toBe(true);
    expect(match('created_at:<"2025-03-01T11:00:00Z"')).toBe(false);
  });

  it('ignores unknown fields with a warning and refuses OR', () => {
    const parsed = parseSearchQuery("colour:red processed_at:>='2025-01-01'");
    expect(parsed.filter(order)).toBe(true);
    expect(parsed.warnings).toEqual([{ field: 'colour', message: 'Invalid search field for this query.' }]);
    expect(() => parseSearchQuery('test:true OR test:false')).toThrow(UnsupportedSearchError);
  });
});
