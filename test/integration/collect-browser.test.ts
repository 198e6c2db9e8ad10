/**
 * public/signalwatch.js in a real page in Chromium: a shop's confirmation page (one origin) with
 * TikTok's pixel stub loads the beacon from Signalwatch (another origin), calls
 * ttq.track('CompletePayment', …, {event_id}), the shopper navigates away, and the beacon must
 * arrive at /api/collect and be recorded with the right fields.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page, type Route } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBrowserEvents, type BrowserEvent } from '@/db/queries/browser-events';
import { createStore } from '@/lib/stores';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startCollectServer, type CollectServer } from './collect-server';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Headless Chromium's UA says HeadlessChrome, which /api/collect ignores as a bot. Playwright's
// `userAgent` context option does not reach a beacon sent while the page unloads (Chromium sends
// it from the browser process), so the browser is launched with --user-agent instead.
const DESKTOP_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** TikTok's base code: the queuing stub, and ttq.load adding the library's script tag. */
const TIKTOK_BASE_CODE = `
!function (w, d, t) {
  w.TiktokAnalyticsObject = t; var ttq = w[t] = w[t] || [];
  ttq.methods = ['page','track','identify','instances','debug','on','off','once','ready','alias','group','enableCookie','disableCookie','holdConsent','revokeConsent','grantConsent'];
  ttq.setAndDefer = function (t, e) { t[e] = function () { t.push([e].concat(Array.prototype.slice.call(arguments, 0))) } };
  for (var i = 0; i < ttq.methods.length; i++) ttq.setAndDefer(ttq, ttq.methods[i]);
  ttq.load = function (e) {
    var n = d.createElement('script'); n.type = 'text/javascript'; n.async = !0;
    n.src = 'https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=' + e + '&lib=' + t;
    var s = d.getElementsByTagName('script')[0]; s.parentNode.insertBefore(n, s);
  };
  ttq.load('CTESTPIXEL0001'); ttq.page();
}(window, document, 'ttq');`;

/** A stand-in for TikTok's library: replaces the stub, replays its queue, sends each track. */
const FAKE_TIKTOK_LIBRARY = `
(function () {
  var queue = window.ttq || [];
  var lib = {
    track: function (name, props, opts) {
      fetch('https://analytics.tiktok.com/api/v2/pixel', { method: 'POST', mode: 'no-cors', keepalive: true,
        body: JSON.stringify({ event: name, event_id: opts && opts.event_id }) })
        .then(function () { window.__pixelSent = (window.__pixelSent || 0) + 1; });
    },
    page: function () {}, grantConsent: function () {}, revokeConsent: function () {}, holdConsent: function () {},
  };
  window.ttq = lib;
  for (var i = 0; i < queue.length; i++) if (lib[queue[i][0]]) lib[queue[i][0]].apply(lib, queue[i].slice(1));
})();`;

function thankYouPage(signalwatch: string, publicKey: string, extra = '') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Thank you</title>
<script>${TIKTOK_BASE_CODE}</script>
<script src="${signalwatch}/signalwatch.js" data-store="${publicKey}" data-order-id="1001"></script>
</head><body><h1>Thank you for your order #1001</h1>
<script>
  document.cookie = '_ttp=2F7h37YkS1j57AYSKTI7IHhJPYH; path=/';
  ${extra}
  ttq.track('CompletePayment', { value: 59.45, currency: 'EUR', order_id: '1001', contents: [{ content_id: 'SKU-1', quantity: 1, price: 59.45 }] }, { event_id: '1001' });
</script>
<a id="continue" href="/continue-shopping">Continue shopping</a>
</body></html>`;
}

async function startShop(pages: Record<string, string>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(pages[path] ?? '<!doctype html><title>Shop</title><p>Keep shopping</p>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // "localhost" vs Signalwatch's "127.0.0.1": the beacon crosses origins, as in production.
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}

describe.skipIf(!existsSync(CHROMIUM))('signalwatch.js in Chromium', () => {
  let t: TestDatabase;
  let sw: CollectServer;
  let shop: { url: string; server: Server };
  let browser: Browser;
  let storeId: string;
  let publicKey: string;

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    const { store } = await createStore(t.db, { name: 'Browser Shop', platform: 'custom', timezone: 'UTC', currency: 'EUR' });
    storeId = store.id;
    publicKey = store.public_key;
    const script = readFileSync(resolve(__dirname, '../../public/signalwatch.js'), 'utf8');
    sw = await startCollectServer(t.db, {
      batch: { maxDelayMs: 50 },
      files: { '/signalwatch.js': { type: 'text/javascript; charset=utf-8', body: script } },
    });
    shop = await startShop({
      '/checkouts/thank_you': thankYouPage(sw.url, publicKey),
      '/checkouts/thank_you_consent': thankYouPage(sw.url, publicKey, `window.dataLayer = [['consent', 'default', { ad_storage: 'granted' }]];`),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', `--user-agent=${DESKTOP_CHROME}`] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => shop?.server.close(r));
    await sw?.close();
    await t?.cleanup();
  });

  async function rowFor(known: Set<number>, timeoutMs = 10_000): Promise<BrowserEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await sw.route.flush();
      const fresh = (await listBrowserEvents(t.db, { storeId })).filter((r) => !known.has(r.id));
      if (fresh.length) {
        expect(fresh).toHaveLength(1);
        return fresh[0]!;
      }
      if (Date.now() > deadline) throw new Error(`no beacon arrived: ${JSON.stringify(sw.route.stats())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function visit(path: string, tiktok: (route: Route) => Promise<void>, from = browser) {
    const before = new Set((await listBrowserEvents(t.db, { storeId })).map((r) => r.id));
    const context = await from.newContext();
    const page: Page = await context.newPage();
    await page.route('https://analytics.tiktok.com/**', tiktok);
    await page.goto(`${shop.url}${path}?ttclid=E.C.P.test123&key=secret-order-key`);
    await page.waitForLoadState('load');
    return { page, context, before };
  }

  it('an ad blocker: the library never loads, the probe fails, the purchase never left the browser', async () => {
    const { page, context, before } = await visit('/checkouts/thank_you', (route) => route.abort('blockedbyclient'));
    await page.waitForTimeout(300); // let the probe settle
    // Playwright does not report a beacon sent while the page unloads; the row is the proof.
    await page.click('#continue');
    await page.waitForURL('**/continue-shopping');
    await context.close();

    const row = await rowFor(before);
    expect(row.beaconId).toMatch(/^[a-z0-9]{12,}$/);
    expect(row).toMatchObject({
      eventName: 'CompletePayment',
      eventId: '1001',
      orderId: '1001',
      pixelLoaded: false,
      pixelTracked: true,
      probeOk: false,
      leftBeforeSend: true,
      consent: 'unknown',
      hasTtclid: true,
      hasTtp: true,
      browser: 'Chrome',
      browserMajor: 124,
      os: 'Linux',
      deviceType: 'desktop',
      pageUrl: `${shop.url}/checkouts/thank_you?ttclid&key`,
    });
    expect(row.pageLoadMs).toBeGreaterThan(0);
  });

  it('a healthy page: the library loads and sends, the probe passes, consent from consent mode', async () => {
    const { page, context, before } = await visit('/checkouts/thank_you_consent', async (route) => {
      if (route.request().url().includes('/i18n/pixel/events.js') && route.request().resourceType() === 'script')
        await route.fulfill({ status: 200, contentType: 'text/javascript', body: FAKE_TIKTOK_LIBRARY });
      else await route.fulfill({ status: 200, contentType: 'text/plain', body: '' });
    });
    await page.waitForFunction(() => (window as unknown as { __pixelSent?: number }).__pixelSent! >= 1);
    await page.waitForTimeout(300);
    await page.click('#continue');
    await page.waitForURL('**/continue-shopping');
    await context.close();

    const row = await rowFor(before);
    expect(row).toMatchObject({
      eventName: 'CompletePayment',
      eventId: '1001',
      orderId: '1001',
      pixelLoaded: true,
      pixelTracked: true,
      probeOk: true,
      leftBeforeSend: false,
      consent: 'granted',
    });
  });

  it('a headless browser (HeadlessChrome user agent) is ignored as a bot', async () => {
    const headless = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const bots = sw.route.stats().bots;
      const { page, context, before } = await visit('/checkouts/thank_you', (route) => route.abort('blockedbyclient'), headless);
      expect(await page.evaluate(() => navigator.userAgent)).toMatch(/HeadlessChrome/);
      await page.click('#continue');
      await page.waitForURL('**/continue-shopping');
      await context.close();
      for (let i = 0; i < 100 && sw.route.stats().bots === bots; i++) await new Promise((r) => setTimeout(r, 50));
      expect(sw.route.stats().bots).toBe(bots + 1); // answered 204
      await sw.route.flush();
      expect((await listBrowserEvents(t.db, { storeId })).filter((r) => !before.has(r.id))).toHaveLength(0);
    } finally {
      await headless.close();
    }
  });
});
