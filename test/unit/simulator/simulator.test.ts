import { describe, expect, it } from 'vitest';
import { classifyAttribution } from '@/lib/commerce/attribution';
import { classifyScope } from '@/lib/commerce/scope';
import { lintEvent, matchKeysPresent } from '@/lib/identity';
import { parseBeacon, toBrowserEventRow } from '@/lib/ingest/collect';
import { parseUserAgent } from '@/lib/ingest/user-agent';
import {
  countedByTikTok,
  createRng,
  defaultProfile,
  demoProfiles,
  DEVICES,
  nextOrder,
  serverBatches,
  simulateShop,
  simulationWindow,
  truthForWindow,
  type LegEvent,
  type SimulatedOrder,
} from '@/sandbox/simulator';

const START = new Date('2026-03-02T00:00:00Z'); // a Monday
const week = (seed: number, overrides: Parameters<typeof defaultProfile>[0] = {}, ordersPerDay = 60) =>
  simulateShop({ seed, storeId: 'unit', start: START, weeks: 1, ordersPerDay, profile: defaultProfile(overrides) });

describe('the seeded PRNG', () => {
  it('repeats itself for a seed and forks independent streams', () => {
    const a = createRng(7);
    const b = createRng(7);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(createRng(7).fork('x').next()).toBe(createRng(7).fork('x').next());
    expect(createRng(7).fork('x').next()).not.toBe(createRng(7).fork('y').next());
    const r = createRng(1);
    const draws = Array.from({ length: 10_000 }, () => r.next());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((s, x) => s + x, 0) / draws.length).toBeCloseTo(0.5, 1);
  });
});

describe('simulateShop', () => {
  it('is deterministic: the same seed gives the same world, another seed another', () => {
    const digest = (orders: SimulatedOrder[]) => JSON.stringify(orders.map((o) => [o.platformId, o.processedAt, o.value, o.beacon?.body, o.serverEvents, o.truth]));
    expect(digest(week(11).orders)).toBe(digest(week(11).orders));
    expect(digest(week(11).orders)).not.toBe(digest(week(12).orders));
  });

  it('a release changes only the orders it touches', () => {
    const base = week(5);
    const broken = week(5, { releases: [{ kind: 'checkout_change', name: 'x', week: 1, day: 3, hour: 0, effect: 'pixel_event_id_checkout_token' }] });
    expect(broken.orders.length).toBe(base.orders.length);
    const cut = Date.parse('2026-03-05T00:00:00Z');
    for (let i = 0; i < base.orders.length; i++) {
      const [b, x] = [base.orders[i]!, broken.orders[i]!];
      expect(x.processedAt).toEqual(b.processedAt);
      expect(x.shopper).toEqual(b.shopper);
      if (b.processedAt.getTime() < cut) expect(x.truth).toEqual(b.truth);
      else if (b.browserLeg) expect(x.browserLeg!.eventId).toBe(x.checkoutToken);
    }
    expect(broken.releases).toEqual([
      expect.objectContaining({ kind: 'checkout_change', releasedAt: new Date('2026-03-05T00:00:00Z'), revert: false }),
    ]);
  });

  it('produces the mix of orders the scope rules need', () => {
    const shop = simulateShop({ seed: 3, storeId: 'mix', start: START, weeks: 4, ordersPerDay: 80 });
    const kinds = new Set(shop.orders.map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['draft', 'pos', 'test', 'web']);
    expect(shop.orders.some((o) => o.cancelledAt)).toBe(true);
    for (const o of shop.orders) {
      expect(o.truth.inScope).toBe(classifyScope(o.order).inScope);
      expect(o.truth.inScope).toBe(o.kind === 'web');
      // The truth's attribution is the one the order's own visits give.
      const a = classifyAttribution(o.order.visits);
      expect(o.truth.attribution, o.journey?.source).toBe(a.attribution);
      expect(o.truth.attributable).toBe(['click_id', 'utm', 'referrer', 'platform_source'].includes(a.attribution));
    }
  });
});

describe('shoppers and browsers', () => {
  it('each device user agent parses to the browser and OS it claims', () => {
    for (const d of Object.values(DEVICES)) {
      const ua = parseUserAgent(d.userAgent);
      expect(ua.bot, d.id).toBe(false);
      expect(ua.os, d.id).toBe(d.os);
      expect(ua.osMajor, d.id).toBe(d.osVersion);
      if (d.browser === 'Brave') {
        expect(ua.browser, d.id).toBe('Chrome'); // Brave's UA is Chrome's; the beacon's flag tells them apart
      } else {
        expect(ua.browser, d.id).toBe(d.browser);
        if (d.browser !== 'TikTok') expect(ua.browserMajor, d.id).toBe(d.browserVersion);
      }
    }
  });

  it('blocking, Link Tracking Protection and ITP follow the browser', () => {
    const shop = simulateShop({ seed: 9, storeId: 'browsers', start: START, weeks: 4, ordersPerDay: 100 });
    const legs = shop.orders.filter((o) => o.browserLeg);
    const brave = legs.filter((o) => o.shopper.device!.browser === 'Brave');
    const inApp = legs.filter((o) => o.shopper.device!.browser === 'TikTok');
    expect(brave.length).toBeGreaterThan(10);
    expect(brave.every((o) => o.browserLeg!.adBlocker && !o.truth.browserFired)).toBe(true);
    expect(inApp.length).toBeGreaterThan(100);
    expect(inApp.some((o) => o.browserLeg!.adBlocker)).toBe(false);
    const rate = (os: SimulatedOrder[]) => os.filter((o) => o.browserLeg!.adBlocker).length / os.length;
    const firefox = legs.filter((o) => o.shopper.device!.browser === 'Firefox' && !o.shopper.device!.mobile);
    const mobileChrome = legs.filter((o) => o.shopper.device!.id === 'android-chrome');
    expect(rate(firefox)).toBeGreaterThan(0.2);
    expect(rate(mobileChrome)).toBeLessThan(0.12);

    for (const o of shop.orders) {
      const d = o.shopper.device;
      if (o.journey?.ltpStripped) {
        expect(d!.browser).toBe('Safari');
        expect(d!.browserVersion).toBeGreaterThanOrEqual(17);
        expect(o.journey.source).toBe('tiktok_shared');
        expect(typeof o.order.visits !== 'string' && o.order.visits.first?.landingPage).not.toContain('ttclid');
      }
      if (o.journey?.source === 'tiktok_shared' && d?.browser === 'Safari' && d.browserVersion >= 17) expect(o.journey.ltpStripped).toBe(true);
      if (o.truth.weak.cookieTruncated) {
        expect(d!.webkit).toBe(true);
        expect(o.journey!.daysToConversion).toBeGreaterThanOrEqual(7);
        expect(o.browserLeg!.ttclidCookie).toBe(false);
      }
    }
    expect(shop.orders.some((o) => o.journey?.ltpStripped)).toBe(true);
  });
});

describe('payloads', () => {
  const shop = simulateShop({
    seed: 21,
    storeId: 'payloads',
    start: START,
    weeks: 2,
    ordersPerDay: 80,
    profile: { ...demoProfiles().b, releases: [{ kind: 'csp_change', name: 'csp', week: 2, day: 0, effect: 'csp_blocks_pixel' }] },
    publicKey: 'swpk_unit_test_key',
  });

  it('beacons are valid docs/beacon.md v1 bodies whose rows say what happened', () => {
    let checked = 0;
    for (const o of shop.orders) {
      if (!o.beacon) {
        expect(!o.browserLeg || !o.browserLeg.confirmationViewed || o.browserLeg.leftBeforeScript).toBe(true);
        continue;
      }
      const row = toBrowserEventRow('s', parseBeacon(o.beacon.body), parseUserAgent(o.beacon.userAgent), o.beacon.receivedAt);
      expect(row.orderId).toBe(o.platformId);
      const isLeg =
        ['CompletePayment', 'Purchase'].includes(row.eventName ?? '') &&
        row.pixelTracked === true &&
        row.pixelLoaded === true &&
        row.probeOk !== false &&
        row.consent !== 'denied' &&
        row.leftBeforeSend !== true;
      expect(isLeg, o.platformId).toBe(o.truth.browserFired);
      expect(row.browser).toBe(o.shopper.device!.browser);
      expect(o.beacon.receivedAt.getTime()).toBeGreaterThan(o.processedAt.getTime());
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('after the CSP release nothing fires and the library never loads', () => {
    const after = shop.orders.filter((o) => o.processedAt >= new Date('2026-03-09T15:00:00Z') && o.browserLeg);
    expect(after.length).toBeGreaterThan(100);
    expect(after.every((o) => !o.truth.browserFired && !o.browserLeg!.pixelLoaded)).toBe(true);
    expect(after.filter((o) => o.beacon && !o.browserLeg!.adBlocker).every((o) => o.beacon!.body.probe !== 'blocked')).toBe(true);
  });

  it('server events are Events API events with hashed keys; lint finds only what the truth expects', () => {
    for (const o of shop.orders) {
      for (const [i, e] of o.serverEvents.entries()) {
        const codes = lintEvent(e.event, i, { eventSource: 'web' }).map((x) => x.code);
        const errors = codes.filter((c) => !['no_match_keys', 'page_url_missing'].includes(c));
        if (e.testEventCode === null) expect(errors.sort(), o.platformId).toEqual([...o.truth.expectedLintCodes].sort());
        expect(e.event.properties?.order_id).toBe(o.platformId);
        expect(typeof e.event.event_id === 'string' || e.event.event_id === undefined).toBe(true);
        if (e.testEventCode === null) {
          const present = matchKeysPresent(e.event.user);
          expect(present).toEqual(o.truth.keys);
        }
      }
    }
    // Store B hashes phones without '+': present, but not TikTok's hash.
    expect(shop.orders.some((o) => o.truth.phoneWithoutPlus)).toBe(true);
    expect(shop.orders.some((o) => o.truth.expectedLintCodes.includes('hash_of_empty'))).toBe(true);
    const batches = serverBatches(shop.orders, shop.pixelCode, { byDay: true });
    expect(batches.every((b) => b.body.data.length <= 1000 && b.body.event_source_id === shop.pixelCode)).toBe(true);
    expect(batches.reduce((n, b) => n + b.events.length, 0)).toBe(shop.orders.reduce((n, o) => n + o.serverEvents.length, 0));
  });

  it('nextOrder continues the shop with the next order id', () => {
    const copy = { ...shop, orders: [...shop.orders] };
    const o = nextOrder(copy, new Date('2026-03-16T12:00:00Z'));
    expect(Number(o.platformId)).toBe(Number(shop.orders.at(-1)!.platformId) + 1);
    expect(copy.orders.length).toBe(shop.orders.length + 1);
    expect(o.shopifySeed.id).toBe(Number(o.platformId));
  });
});

describe("TikTok's dedup rules (the truth's own implementation)", () => {
  const ev = (leg: 'browser' | 'server', t: number, over: Partial<LegEvent> = {}): LegEvent => ({
    leg,
    event: 'CompletePayment',
    eventId: 'o1',
    ttp: null,
    ttclid: null,
    eventTime: 1_000_000 + t,
    test: false,
    ...over,
  });

  it('merges, drops and counts again after 48 h', () => {
    expect(countedByTikTok([ev('browser', 0), ev('server', 60, { event: 'Purchase', ttclid: 'x' })])).toEqual([
      { leg: 'browser', eventTime: 1_000_000, attributed: true },
    ]);
    expect(countedByTikTok([ev('server', 3600), ev('browser', 0)])).toHaveLength(1);
    expect(countedByTikTok([ev('browser', 0), ev('server', 48 * 3600)])).toHaveLength(1);
    expect(countedByTikTok([ev('browser', 0), ev('server', 48 * 3600 + 1)])).toHaveLength(2);
    expect(countedByTikTok([ev('browser', 0), ev('server', 10, { eventId: 'other' })])).toHaveLength(2);
    expect(countedByTikTok([ev('browser', 0), ev('server', 10, { eventId: null })])).toHaveLength(2);
    expect(countedByTikTok([ev('server', 0, { eventId: null, ttp: 't' }), ev('server', 90, { eventId: null, ttp: 't' })])).toHaveLength(1);
    expect(countedByTikTok([ev('browser', 0), ev('server', 5, { test: true })])).toHaveLength(1);
    // a later-than-5-minutes repeat from the other leg is dropped, its ttclid does not count
    expect(countedByTikTok([ev('browser', 0), ev('server', 600, { ttclid: 'x' })])).toEqual([{ leg: 'browser', eventTime: 1_000_000, attributed: false }]);
  });
});

describe('truthForWindow', () => {
  it('adds up: the bridge closes and every lost order has one cause', () => {
    const shop = simulateShop({ seed: 4, storeId: 'sum', start: START, weeks: 2, ordersPerDay: 80, profile: demoProfiles().a });
    const t = truthForWindow(shop.orders, simulationWindow(shop));
    expect(t.orders).toBe(shop.orders.filter((o) => o.kind === 'web').length);
    expect(t.expected).toBe(t.either + t.doubleCounts);
    expect(t.orders - t.lostBothLegs + t.doubleCounts + t.unexplained).toBe(t.reported);
    expect(t.both).toBe(t.deduplicated + t.doubleCounts);
    expect(Object.values(t.lostBrowserCauses).reduce((a, b) => a + b, 0)).toBe(t.lostBrowser);
    expect(t.reported).toBe(t.reportedBrowser + t.reportedServer);
  });
});
