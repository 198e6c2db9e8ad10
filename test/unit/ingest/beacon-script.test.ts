/**
 * public/signalwatch.js run in a small fake browser (node:vm): mirroring ttq, library detection,
 * consent, probe and the body it sends. The real-browser run is test/integration/collect-browser.test.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import vm from 'node:vm';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parseBeacon } from '@/lib/ingest/collect';

const SOURCE = readFileSync(resolve(__dirname, '../../../public/signalwatch.js'), 'utf8');
const SCRIPT = new vm.Script(SOURCE, { filename: 'signalwatch.js' });

/** TikTok's base-code stub, without loading the library. */
const TTQ_STUB = `
  window.TiktokAnalyticsObject = 'ttq';
  var ttq = window.ttq = window.ttq || [];
  ttq.methods = ['page','track','identify','instances','debug','on','off','once','ready','alias','group','enableCookie','disableCookie','holdConsent','revokeConsent','grantConsent'];
  ttq.setAndDefer = function (t, e) { t[e] = function () { t.push([e].concat(Array.prototype.slice.call(arguments, 0))) } };
  for (var i = 0; i < ttq.methods.length; i++) ttq.setAndDefer(ttq, ttq.methods[i]);
  ttq.page();
`;

interface FakePage {
  run(code: string): unknown;
  /** Fires the script's 250 ms poll once. */
  tick(): void;
  leave(): void;
  hide(): void;
  beacons: { url: string; body: string }[];
  fetches: { url: string; init: Record<string, unknown> }[];
  resources: { name: string }[];
  observe(name: string): void;
  settle(): Promise<void>;
  body(): Record<string, any>;
}

function page(opts: {
  attrs?: Record<string, string>;
  url?: string;
  cookie?: string;
  before?: string;
  probe?: 'ok' | 'blocked' | 'pending';
  sendBeacon?: boolean;
  brave?: boolean;
  loadEventEnd?: number;
}): FakePage {
  const attrs: Record<string, string> = { 'data-store': 'swpk_abcdefghijklmnop', ...opts.attrs };
  const winListeners: Record<string, (() => void)[]> = {};
  const docListeners: Record<string, (() => void)[]> = {};
  const beacons: FakePage['beacons'] = [];
  const fetches: FakePage['fetches'] = [];
  const resources: { name: string }[] = [];
  const observers: ((list: { getEntries(): { name: string }[] }) => void)[] = [];
  const intervals: (() => void)[] = [];
  const pending: Promise<unknown>[] = [];
  const document = {
    currentScript: { src: 'https://sw.example/signalwatch.js', getAttribute: (n: string) => attrs[n] ?? null },
    cookie: opts.cookie ?? '',
    visibilityState: 'visible',
    addEventListener: (t: string, f: () => void) => (docListeners[t] ??= []).push(f),
  };
  const ctx = vm.createContext({
    document,
    location: new URL(opts.url ?? 'https://shop.example/thank-you'),
    navigator: {
      ...(opts.brave ? { brave: {} } : {}),
      sendBeacon: (url: string, body: string) => {
        if (opts.sendBeacon === false) return false;
        beacons.push({ url, body });
        return true;
      },
    },
    performance: {
      getEntriesByType: (t: string) => (t === 'resource' ? resources : t === 'navigation' ? [{ loadEventEnd: opts.loadEventEnd ?? 1234.4 }] : []),
    },
    PerformanceObserver: class {
      constructor(cb: (list: { getEntries(): { name: string }[] }) => void) {
        observers.push(cb);
      }
      observe() {}
    },
    fetch: (url: string, init: Record<string, unknown>) => {
      fetches.push({ url, init });
      const p =
        url.includes('analytics.tiktok.com') && opts.probe !== 'ok'
          ? opts.probe === 'pending'
            ? new Promise(() => {})
            : Promise.reject(new TypeError('Failed to fetch'))
          : Promise.resolve({ type: 'opaque' });
      pending.push(p.catch(() => {}));
      return p;
    },
    URL,
    URLSearchParams,
    setInterval: (f: () => void) => intervals.push(f),
    setTimeout: () => 0,
    clearInterval: () => {},
    addEventListener: (t: string, f: () => void) => (winListeners[t] ??= []).push(f),
  });
  ctx.window = ctx;
  if (opts.before) vm.runInContext(opts.before, ctx);
  SCRIPT.runInContext(ctx);
  return {
    run: (code) => vm.runInContext(code, ctx),
    tick: () => intervals.forEach((f) => f()),
    leave: () => winListeners.pagehide?.forEach((f) => f()),
    hide: () => {
      document.visibilityState = 'hidden';
      docListeners.visibilitychange?.forEach((f) => f());
    },
    beacons,
    fetches,
    resources,
    observe: (name) => observers.forEach((cb) => cb({ getEntries: () => [{ name }] })),
    settle: async () => {
      await Promise.all(pending);
      await new Promise((r) => setImmediate(r));
    },
    body() {
      expect(beacons).toHaveLength(1);
      return JSON.parse(beacons[0]!.body);
    },
  };
}

describe('public/signalwatch.js', () => {
  it('mirrors a purchase tracked on the stub before the script ran', async () => {
    const p = page({
      before: TTQ_STUB + `ttq.track('CompletePayment', { value: 59.45, currency: 'EUR', order_id: 1001 }, { event_id: '1001' });`,
      url: 'https://shop.example/checkouts/thank_you?ttclid=E.C.P.abc&key=secret#x',
      cookie: 'a=1; _ttp=2F7h37YkS1j57AYSKTI7IHhJPYH',
      probe: 'ok',
    });
    await p.settle();
    p.leave();
    const body = p.body();
    expect(p.beacons[0]!.url).toBe('https://sw.example/api/collect');
    expect(body).toMatchObject({
      v: 1,
      store: 'swpk_abcdefghijklmnop',
      order_id: null,
      events: [{ name: 'CompletePayment', event_id: '1001', order_id: '1001' }],
      page: { url: 'https://shop.example/checkouts/thank_you?ttclid&key', load_ms: 1234 },
      pixel: { loaded: false, tracked: true, request_seen: false },
      probe: 'ok',
      consent: 'unknown',
      ttclid: true,
      ttp: true,
      brave: false,
    });
    expect(body.id).toMatch(/^[a-z0-9]{12,}$/);
    expect(p.beacons[0]!.body).not.toContain('secret');
    // What it sends is what /api/collect accepts.
    expect(() => parseBeacon(body)).not.toThrow();
  });

  it('mirrors calls made after it loaded, and the stub still queues them for TikTok', () => {
    const p = page({ before: TTQ_STUB });
    p.run(`ttq.track('CompletePayment', { order_id: 'A-7' }, { event_id: 'A-7-completepayment' })`);
    expect(p.run(`ttq.filter(function (c) { return c[0] === 'track' }).length`)).toBe(1);
    p.leave();
    expect(p.body().events).toEqual([{ name: 'CompletePayment', event_id: 'A-7-completepayment', order_id: 'A-7' }]);
  });

  it('notices the real library replacing the stub, keeps mirroring, and sees its request', () => {
    const p = page({ before: TTQ_STUB });
    p.run(`ttq.track('Purchase', {}, { event_id: 'e1' })`);
    // The library takes over: a new object whose track sends.
    p.run(`window.ttq = { track: function (n, props, o) { var sent = []; sent.push(n); return this.instance && sent; }, page: function () {} }`);
    p.tick();
    p.run(`ttq.track('ViewContent', {}, { event_id: 'v1' })`);
    p.observe('https://analytics.tiktok.com/i18n/pixel/static/main.js'); // a script: not a send
    p.leave();
    const b = p.body();
    expect(b.pixel).toEqual({ loaded: true, tracked: true, request_seen: false });
    expect(b.events.map((e: { name: string }) => e.name)).toEqual(['Purchase', 'ViewContent']);
  });

  it('a request to the pixel endpoint counts as sent (observer or resource list)', () => {
    const a = page({ before: TTQ_STUB + `ttq.track('CompletePayment', {}, { event_id: '1' })` });
    a.observe('https://analytics.tiktok.com/api/v2/pixel');
    a.leave();
    expect(a.body().pixel).toEqual({ loaded: true, tracked: true, request_seen: true });

    const b = page({ before: TTQ_STUB + `ttq.track('CompletePayment', {}, { event_id: '1' })` });
    b.resources.push({ name: 'https://analytics.tiktok.com/api/v2/pixel/act' });
    b.leave();
    expect(b.body().pixel.request_seen).toBe(true);
  });

  it('a library already loaded before the script counts as loaded', () => {
    const p = page({ before: `window.ttq = { track: function () { return 1 } };`, attrs: { 'data-order-id': '55' } });
    p.leave();
    expect(p.body()).toMatchObject({ order_id: '55', events: [], pixel: { loaded: true, tracked: false } });
  });

  it('an ad blocker: probe blocked', async () => {
    const p = page({ before: TTQ_STUB + `ttq.track('CompletePayment', {}, { event_id: '1' })`, probe: 'blocked' });
    await p.settle();
    p.leave();
    expect(p.body().probe).toBe('blocked');
    expect(p.fetches[0]).toMatchObject({ url: 'https://analytics.tiktok.com/i18n/pixel/events.js', init: { mode: 'no-cors', credentials: 'omit' } });
  });

  it('a probe still pending at pagehide is unknown', () => {
    const p = page({ before: TTQ_STUB + `ttq.track('CompletePayment')`, probe: 'pending' });
    p.leave();
    expect(p.body().probe).toBe('unknown');
  });

  it.each([
    ['ttq.revokeConsent()', 'denied'],
    ['ttq.holdConsent()', 'denied'],
    ['ttq.holdConsent(); ttq.grantConsent()', 'granted'],
    [`window.dataLayer = [['consent', 'default', { ad_storage: 'denied' }], ['consent', 'update', { ad_storage: 'granted' }]]`, 'granted'],
    [`window.dataLayer = [{ event: 'x' }, ['consent', 'default', { ad_storage: 'denied' }]]`, 'denied'],
    [`window.Shopify = { customerPrivacy: { marketingAllowed: function () { return false } } }`, 'denied'],
    [`window.Cookiebot = { hasResponse: true, consent: { marketing: true } }`, 'granted'],
    ['', 'unknown'],
  ])('consent: %s → %s', (code, expected) => {
    const p = page({ before: TTQ_STUB + `ttq.track('CompletePayment');` });
    p.run(code);
    p.leave();
    expect(p.body().consent).toBe(expected);
  });

  it('consent calls queued on the stub before the script are read too', () => {
    const p = page({ before: TTQ_STUB + `ttq.revokeConsent(); ttq.track('CompletePayment');` });
    p.leave();
    expect(p.body().consent).toBe('denied');
  });

  it('sends once, on visibilitychange→hidden or pagehide, whichever is first', () => {
    const p = page({ before: TTQ_STUB + `ttq.track('CompletePayment')` });
    p.hide();
    p.leave();
    expect(p.beacons).toHaveLength(1);
  });

  it('sends nothing when it saw no event and has no order id', () => {
    const p = page({ before: TTQ_STUB });
    p.leave();
    expect(p.beacons).toHaveLength(0);
  });

  it('falls back to fetch keepalive when sendBeacon refuses', () => {
    const p = page({ before: TTQ_STUB + `ttq.track('CompletePayment')`, sendBeacon: false });
    p.leave();
    const post = p.fetches.find((f) => f.url === 'https://sw.example/api/collect');
    expect(post?.init).toMatchObject({ method: 'POST', keepalive: true });
    expect(JSON.parse(post!.init.body as string).events[0].name).toBe('CompletePayment');
  });

  it('data-endpoint overrides where it sends; navigator.brave is reported', () => {
    const p = page({ before: TTQ_STUB + `ttq.track('CompletePayment')`, attrs: { 'data-endpoint': 'https://collect.example/api/collect' }, brave: true });
    p.leave();
    expect(p.beacons[0]!.url).toBe('https://collect.example/api/collect');
    expect(p.body().brave).toBe(true);
  });

  it('caps mirrored events at 10 and strings at 128 characters', () => {
    const p = page({ before: TTQ_STUB });
    p.run(`for (var i = 0; i < 15; i++) ttq.track('ViewContent', {}, { event_id: 'x'.repeat(300) })`);
    p.leave();
    const b = p.body();
    expect(b.events).toHaveLength(10);
    expect(b.events[0].event_id).toHaveLength(128);
    expect(() => parseBeacon(b)).not.toThrow();
  });
});

describe('beacon size', () => {
  it('minifies to under 3 KB', () => {
    const min = transformSync(SOURCE, { minify: true }).code;
    expect(Buffer.byteLength(min)).toBeLessThan(3072);
  });
});
