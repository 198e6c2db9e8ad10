import { expect, test } from '@playwright/test';
import { signalwatch } from './cli';

// /api/collect is answered by server.ts's fast path; the script is a static file Next serves.
// The browser side (a real page, ttq stub, pagehide) is test/integration/collect-browser.test.ts.
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

let publicKey: string;

test.beforeAll(() => {
  const add = signalwatch(['store', 'add', '--name', 'E2E Beacon Shop', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'EUR', '--json']);
  expect(add.stderr).toBe('');
  expect(add.code).toBe(0);
  publicKey = JSON.parse(add.stdout).public_key;
  expect(publicKey).toMatch(/^swpk_/);
});

const beacon = (over: Record<string, unknown> = {}) => ({
  v: 1,
  store: publicKey,
  id: `e2e${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`,
  order_id: '1001',
  events: [{ name: 'CompletePayment', event_id: '1001', order_id: '1001' }],
  page: { url: 'https://e2e-beacon.example/checkouts/thank_you', load_ms: 1200 },
  pixel: { loaded: true, tracked: true, request_seen: true },
  probe: 'ok',
  consent: 'granted',
  ttclid: false,
  ttp: true,
  ...over,
});

test('serves the beacon script and the Shopify custom pixel', async ({ request }) => {
  const script = await request.get('/signalwatch.js');
  expect(script.status()).toBe(200);
  expect(script.headers()['content-type']).toMatch(/javascript/);
  expect(await script.text()).toContain('/api/collect');
  expect((await request.get('/signalwatch-shopify-pixel.js')).status()).toBe(200);
});

test('accepts a beacon as sendBeacon sends it (text/plain), with CORS', async ({ request }) => {
  const res = await request.post('/api/collect', {
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME_UA, origin: 'https://e2e-beacon.example' },
    data: JSON.stringify(beacon()),
  });
  expect(res.status()).toBe(202);
  expect(res.headers()['access-control-allow-origin']).toBe('*');
});

test('answers the preflight and refuses bad beacons in the one error shape', async ({ request }) => {
  const preflight = await request.fetch('/api/collect', {
    method: 'OPTIONS',
    headers: { origin: 'https://e2e-beacon.example', 'access-control-request-method': 'POST' },
  });
  expect(preflight.status()).toBe(204);
  expect(preflight.headers()['access-control-allow-methods']).toContain('POST');

  const headers = { 'content-type': 'application/json', 'user-agent': CHROME_UA };
  const unknown = await request.post('/api/collect', { headers, data: JSON.stringify(beacon({ store: 'swpk_nosuchstore0000' })) });
  expect(unknown.status()).toBe(404);
  expect(await unknown.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });

  // A Buffer: Playwright would JSON-encode an invalid JSON string.
  const malformed = await request.post('/api/collect', { headers, data: Buffer.from('{"v":1,') });
  expect(malformed.status()).toBe(400);
  expect((await malformed.json()).error.code).toBe('invalid_json');

  const big = await request.post('/api/collect', { headers, data: JSON.stringify(beacon({ pad: 'x'.repeat(9000) })) });
  expect(big.status()).toBe(413);
  expect((await big.json()).error.code).toBe('payload_too_large');

  const bot = await request.post('/api/collect', {
    headers: { ...headers, 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
    data: JSON.stringify(beacon()),
  });
  expect(bot.status()).toBe(204);
});
