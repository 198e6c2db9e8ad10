import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/http/errors';
import { beaconSchema, parseBeacon, pickEvent, sanitizePageUrl, toBrowserEventRow, type Beacon } from '@/lib/ingest/collect';
import { parseUserAgent } from '@/lib/ingest/user-agent';

const CHROME = parseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36');

const full = {
  v: 1,
  store: 'swpk_abcdefghijklmnop',
  id: 'lx2k3j4h5g6f7d8s',
  order_id: '1001',
  events: [
    { name: 'Pageview', event_id: null, order_id: null },
    { name: 'CompletePayment', event_id: '1001', order_id: '1001' },
  ],
  page: { url: 'https://shop.example/checkouts/thank_you?ttclid&key', load_ms: 1834 },
  pixel: { loaded: true, tracked: true, request_seen: false },
  probe: 'ok',
  consent: 'granted',
  ttclid: true,
  ttp: true,
  brave: false,
};

function expectValidationError(input: unknown, field: RegExp) {
  try {
    parseBeacon(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation_failed');
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).message).toMatch(field);
    return;
  }
  throw new Error('expected a validation error');
}

describe('beacon schema', () => {
  it('accepts the full documented body', () => {
    expect(parseBeacon(full)).toEqual(full);
  });

  it('accepts the minimum (version, store, id) and ignores unknown keys', () => {
    expect(parseBeacon({ v: 1, store: 'swpk_abcdefghijklmnop', id: 'abcdefgh12', later: 'field' })).toEqual({
      v: 1,
      store: 'swpk_abcdefghijklmnop',
      id: 'abcdefgh12',
    });
  });

  it('rejects ids and names Postgres text cannot store (U+0000, unpaired surrogates), keeps emoji', () => {
    // Stored as-is, such a value would fail its whole batch's INSERT on every retry.
    expectValidationError({ ...full, order_id: 'a\u0000b' }, /^order_id: must not contain U\+0000/);
    expectValidationError({ ...full, events: [{ name: 'CompletePayment', event_id: '10\ud80001' }] }, /^events\.0\.event_id: must not contain/);
    expectValidationError({ ...full, events: [{ name: 'Complete\udc00Payment' }] }, /^events\.0\.name: must not contain/);
    expectValidationError({ ...full, events: [{ name: 'CompletePayment', order_id: '\u0000' }] }, /^events\.0\.order_id: must not contain/);
    expect(parseBeacon({ ...full, order_id: 'order-\u{1F600}' }).order_id).toBe('order-\u{1F600}');
  });

  it('rejects wrong types and values, naming the field', () => {
    expectValidationError({ ...full, v: 2 }, /^v:/);
    expectValidationError({ ...full, store: 'x' }, /store/);
    expectValidationError({ ...full, id: 'short' }, /^id:/);
    expectValidationError({ ...full, id: 'has spaces in it' }, /^id:/);
    expectValidationError({ ...full, events: [{ name: 'CompletePayment', event_id: 1001 }] }, /events\.0\.event_id/);
    expectValidationError({ ...full, pixel: { loaded: 'yes' } }, /pixel\.loaded/);
    expectValidationError({ ...full, probe: 'maybe' }, /probe/);
    expectValidationError({ ...full, consent: true }, /consent/);
    expectValidationError({ ...full, page: { load_ms: -5 } }, /page\.load_ms/);
    expectValidationError({ ...full, events: Array.from({ length: 21 }, () => ({ name: 'x' })) }, /events/);
    expectValidationError('a string', /body/);
    expectValidationError(null, /body/);
  });

  it('is a zod schema other code can reuse', () => {
    expect(beaconSchema.safeParse(full).success).toBe(true);
  });
});

describe('sanitizePageUrl', () => {
  it('drops query values and the fragment, keeping parameter names', () => {
    expect(sanitizePageUrl('https://shop.example/thanks?ttclid=E.C.P.abc&email=jane%40x.com#top')).toBe('https://shop.example/thanks?ttclid&email');
  });
  it('drops parameter names that are not plain words (a bare value such as ?jane@x.com)', () => {
    expect(sanitizePageUrl('https://shop.example/thanks?jane@x.com')).toBe('https://shop.example/thanks');
  });
  it('redacts token-like path segments (Shopify checkout and order-status tokens)', () => {
    expect(sanitizePageUrl('https://shop.example/5551234/checkouts/8f14e45fceea167a5a36dedd4bea2543/thank_you?key=abc')).toBe(
      'https://shop.example/5551234/checkouts/:token/thank_you?key',
    );
    expect(sanitizePageUrl('https://shop.example/checkouts/c/Z2NwLXVzLWVhc3QxOjAxSEJD/thank-you')).toBe(
      'https://shop.example/checkouts/c/:token/thank-you',
    );
    expect(sanitizePageUrl('https://shop.example/checkout/order-received/1234/')).toBe('https://shop.example/checkout/order-received/1234/');
    expect(sanitizePageUrl('https://shop.example/products/summer-dress-collection')).toBe('https://shop.example/products/summer-dress-collection');
  });
  it('refuses non-http URLs and junk', () => {
    expect(sanitizePageUrl('javascript:alert(1)')).toBeNull();
    expect(sanitizePageUrl('not a url')).toBeNull();
    expect(sanitizePageUrl(null)).toBeNull();
  });
  it('caps the length', () => {
    expect(sanitizePageUrl(`https://shop.example/${'a/'.repeat(400)}`)!.length).toBe(512);
  });
});

describe('toBrowserEventRow', () => {
  const at = new Date('2026-03-02T10:00:00Z');
  it('records the purchase event and every observation', () => {
    expect(toBrowserEventRow('acme', parseBeacon(full), CHROME, at)).toEqual({
      storeId: 'acme',
      receivedAt: at,
      beaconId: 'lx2k3j4h5g6f7d8s',
      eventName: 'CompletePayment',
      eventId: '1001',
      orderId: '1001',
      pixelLoaded: true,
      pixelTracked: true,
      probeOk: true,
      pageLoadMs: 1834,
      leftBeforeSend: true,
      consent: 'granted',
      hasTtclid: true,
      hasTtp: true,
      browser: 'Chrome',
      browserMajor: 124,
      os: 'Windows',
      osMajor: 10,
      deviceType: 'desktop',
      pageUrl: 'https://shop.example/checkouts/thank_you?ttclid&key',
    });
  });

  it('unknowns stay null; the script-tag order id fills in', () => {
    const b: Beacon = parseBeacon({ v: 1, store: 'swpk_abcdefghijklmnop', id: 'abcdefgh12', order_id: '77', events: [{ name: 'ViewContent', event_id: '' }] });
    expect(toBrowserEventRow('acme', b, CHROME, at)).toMatchObject({
      eventName: 'ViewContent',
      eventId: null,
      orderId: '77',
      pixelLoaded: null,
      pixelTracked: null,
      probeOk: null,
      pageLoadMs: null,
      leftBeforeSend: null,
      consent: 'unknown',
      hasTtclid: null,
      hasTtp: null,
      pageUrl: null,
    });
  });

  it('left_before_send only when the purchase was tracked and no request was seen', () => {
    const row = (pixel: Beacon['pixel']) => toBrowserEventRow('acme', parseBeacon({ ...full, pixel }), CHROME, at).leftBeforeSend;
    expect(row({ loaded: true, tracked: true, request_seen: true })).toBe(false);
    expect(row({ loaded: true, tracked: true, request_seen: false })).toBe(true);
    expect(row({ loaded: true, tracked: false, request_seen: false })).toBeNull();
    expect(row({ loaded: null, tracked: null, request_seen: null })).toBeNull();
  });

  it('probe blocked → probe_ok false; Brave flag → Brave', () => {
    const r = toBrowserEventRow('acme', parseBeacon({ ...full, probe: 'blocked', brave: true }), CHROME, at);
    expect(r.probeOk).toBe(false);
    expect(r.browser).toBe('Brave');
  });

  it('rounds and caps load time', () => {
    expect(toBrowserEventRow('acme', parseBeacon({ ...full, page: { load_ms: 1234.6 } }), CHROME, at).pageLoadMs).toBe(1235);
    expect(toBrowserEventRow('acme', parseBeacon({ ...full, page: { load_ms: 1e12 } }), CHROME, at).pageLoadMs).toBe(2_147_483_647);
  });
});

describe('pickEvent', () => {
  it('prefers a purchase (either name), else the first event', () => {
    expect(pickEvent([{ name: 'Pageview' }, { name: 'Purchase', event_id: 'p' }])?.event_id).toBe('p');
    expect(pickEvent([{ name: 'Pageview' }, { name: 'ViewContent' }])?.name).toBe('Pageview');
    expect(pickEvent([])).toBeUndefined();
    expect(pickEvent(undefined)).toBeUndefined();
  });
});
