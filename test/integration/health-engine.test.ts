/**
 * computeHealth on hand-built rows: every rule of docs/metrics.md with exact numbers.
 *
 * Window 2026-01-05 .. 2026-01-11 (an ISO week). Orders o01..o20 are in O; x01..x03 are not.
 * Legend per order (B = browser leg, S = server leg):
 *   o01 B+S same id (deduped; a reload)   o11 S, beacon slow + left early (slow_page)
 *   o02 B+S CompletePayment vs Purchase   o12 S, beacon left before send (slow_page); Safari 17 utm, no leg → no weak match
 *   o03 B+S mismatched event_id (dc)      o13 S, beacons without a purchase ttq.track (pixel_not_fired)
 *   o04 B+S 49 h apart (dc)               o14 B only, iOS Safari 17, utm, no ttclid, 10 days (both weak matches)
 *   o05 B+S 47 h apart (deduped)          o15 B only, Chrome on iOS 16, 8 days (cookie_truncated)
 *   o06 B+S server event_id null (dc)     o16 B+S (server event_time null → received_at), Safari 16 macOS, 30 days
 *   o07 S only, no beacon                 o17 test server event only, no beacon (lost both)
 *   o08 S, beacon consent denied          o18 B, server rejected; Safari major unknown on iOS 17, utm (click_id_stripped)
 *   o09 S, beacon probe failed            o19 B+S, first S is queued (a dead one earlier, a sent one later)
 *   o10 beacons: slow, library not loaded o20 nothing; browser from the order row
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { browserEvents, orders, serverEvents, stores, tiktokDailyCounts } from '@/db/schema';
import { computeHealth, formatHealthReport, latestSnapshots, listSnapshots, saveSnapshot, snapshotHealth } from '@/lib/health';
import type { HealthReport } from '@/lib/health';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

const STORE = 'acme';
const WEEK = { from: '2026-01-05', to: '2026-01-11' };
const NOW = new Date('2026-01-20T00:00:00Z');
const T = new Date('2026-01-06T12:00:00Z');
const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const H = 60;

type OrderRow = typeof orders.$inferInsert;
type BeaconRow = typeof browserEvents.$inferInsert;
type ServerRow = typeof serverEvents.$inferInsert;

async function addStore(db: Db, id: string) {
  await db.insert(stores).values({ id, name: id, platform: 'custom', timezone: 'UTC', currency: 'USD', publicKey: `pk_${id}` });
}

function order(id: string, o: Partial<OrderRow> = {}): OrderRow {
  return {
    storeId: STORE,
    platformId: id,
    processedAt: T,
    value: 50,
    currency: 'USD',
    inScope: true,
    attribution: 'none',
    source: 'api',
    ...o,
  };
}

function beacon(orderId: string | null, o: Partial<BeaconRow> = {}): BeaconRow {
  return {
    storeId: STORE,
    receivedAt: at(T, 1),
    eventName: 'CompletePayment',
    eventId: orderId,
    orderId,
    pixelLoaded: true,
    pixelTracked: true,
    probeOk: true,
    pageLoadMs: 1500,
    leftBeforeSend: false,
    consent: 'granted',
    hasTtclid: true,
    hasTtp: true,
    browser: 'Chrome',
    browserMajor: 120,
    os: 'Android',
    osMajor: 14,
    ...o,
  };
}

function server(orderId: string | null, o: Partial<ServerRow> = {}): ServerRow {
  return {
    storeId: STORE,
    receivedAt: at(T, 3),
    source: 'relay',
    eventTime: at(T, 2),
    eventName: 'CompletePayment',
    eventId: orderId,
    orderId,
    hasEmail: true,
    hasPhone: false,
    hasExternalId: true,
    hasTtclid: false,
    hasTtp: true,
    hasIp: true,
    hasUserAgent: true,
    lintCodes: [],
    delivery: 'sent',
    ...o,
  };
}

const safari17iOS = { browser: 'Mobile Safari', browserMajor: 17, os: 'iOS', osMajor: 17 };

async function seed(db: Db) {
  await addStore(db, STORE);
  await addStore(db, 'other');

  await db.insert(orders).values([
    order('o01', { attribution: 'click_id', daysToConversion: 0, processedAt: new Date('2026-01-11T23:59:59Z') }),
    order('o02', { daysToConversion: 0 }),
    order('o03', { attribution: 'click_id', daysToConversion: 1 }),
    order('o04', { daysToConversion: 6 }),
    order('o05', { attribution: 'utm', daysToConversion: 3 }),
    order('o06', { daysToConversion: 29 }),
    order('o07', { attribution: 'referrer' }),
    order('o08', { daysToConversion: 45 }),
    order('o09', { attribution: 'platform_source' }),
    order('o10'),
    order('o11'),
    order('o12', { attribution: 'utm', daysToConversion: 9 }),
    order('o13'),
    order('o14', { attribution: 'utm', daysToConversion: 10 }),
    order('o15', { attribution: 'utm', daysToConversion: 8 }),
    order('o16', { attribution: 'utm', daysToConversion: 30 }),
    order('o17', { browser: 'Chrome', browserMajor: 119, os: 'Android', osMajor: 13 }),
    order('o18', { attribution: 'utm' }),
    order('o19', { daysToConversion: 7, browser: 'Mobile Safari', browserMajor: 18, os: 'iOS', osMajor: 18 }),
    order('o20', {
      attribution: 'pending',
      processedAt: new Date('2026-01-05T00:00:00Z'),
      browser: 'Firefox',
      browserMajor: 121,
      os: 'Windows',
      osMajor: 10,
    }),
    // Not in O: out of scope, and just outside the window on either side.
    order('x01', { inScope: false, test: true, attribution: 'click_id' }),
    order('x02', { processedAt: new Date('2026-01-12T00:00:00Z') }),
    order('x03', { processedAt: new Date('2026-01-04T23:59:59.999Z') }),
  ]);
  // The same platform id in another store must not lend o10 a browser leg.
  await db.insert(orders).values(order('o10', { storeId: 'other' }));

  await db.insert(browserEvents).values([
    beacon('o01'),
    // A reload: a later, slow leg beacon with another event_id must not replace the first one.
    beacon('o01', { receivedAt: at(T, 30), pageLoadMs: 6000, eventId: 'o01-reload' }),
    beacon('o02'),
    beacon('o03'),
    beacon('o04', { pageLoadMs: 2000 }),
    beacon('o05', { browser: 'Safari', browserMajor: 17, os: 'macOS', osMajor: 10, pageLoadMs: 5000, hasTtclid: true }),
    beacon('o06'),
    beacon('o08', { consent: 'denied', probeOk: false }),
    beacon('o09', { probeOk: false, pixelLoaded: true }),
    beacon('o10', { pixelLoaded: false, pixelTracked: false }),
    // An earlier slow beacon: ad_blocker still wins (first match over all beacons, not first beacon).
    beacon('o10', { receivedAt: at(T, 0), leftBeforeSend: true, pageLoadMs: 8000 }),
    beacon('o11', { pageLoadMs: 7000, leftBeforeSend: true }),
    beacon('o12', { ...safari17iOS, pageLoadMs: 3000, leftBeforeSend: true, hasTtclid: false }),
    beacon('o13', { pixelTracked: false }),
    beacon('o13', { eventName: 'purchase', receivedAt: at(T, 2) }),
    beacon('o14', { ...safari17iOS, hasTtclid: false }),
    beacon('o15', { browser: 'Mobile Chrome', browserMajor: 120, os: 'iOS', osMajor: 16, hasTtclid: false }),
    beacon('o16', { browser: 'Safari', browserMajor: 16, os: 'macOS', osMajor: 10, hasTtclid: false }),
    beacon('o18', { browser: 'Mobile Safari', browserMajor: null, os: 'iOS', osMajor: 17, hasTtclid: false }),
    beacon('o19', { browser: null, browserMajor: null, os: null, osMajor: null, pageLoadMs: null }),
    // Not for O.
    beacon('x01'),
    beacon('o10', { storeId: 'other' }),
    beacon('ghost-b', { receivedAt: at(T, 5) }),
    beacon(null, { eventName: null }),
  ]);

  await db.insert(serverEvents).values([
    server('o01', { hasTtclid: true }),
    server('o02', { eventName: 'Purchase', hasPhone: true }),
    server('o03', { eventId: 'o03-srv', hasTtclid: true }),
    server('o04', { eventTime: at(T, 1 + 49 * H) }),
    server('o05', { eventTime: at(T, 1 + 47 * H) }),
    server('o06', { eventId: null, lintCodes: ['event_id_missing'] }),
    server('o07', {
      hasExternalId: false,
      hasTtp: false,
      hasIp: false,
      hasUserAgent: false,
      lintCodes: ['unhashed_email', 'uppercase_hex', 'unhashed_email'],
    }),
    server('o08'),
    server('o09', { lintCodes: ['uppercase_hex'] }),
    server('o11'),
    server('o12'),
    server('o12', { eventName: 'purchase', lintCodes: ['event_name_nonstandard'] }),
    server('o13'),
    server('o16', { eventTime: null, receivedAt: at(T, 60) }),
    server('o17', { testEventCode: 'TEST123', lintCodes: ['unhashed_phone'] }),
    server('o18', { delivery: 'rejected', lintCodes: ['event_id_not_string'] }),
    server('o19', { eventId: 'o19-dead', delivery: 'dead', eventTime: at(T, 1) }),
    server('o19', { delivery: 'queued', eventTime: at(T, 2), hasEmail: false, hasPhone: true }),
    server('o19', { eventId: 'o19-x', delivery: 'sent', eventTime: at(T, 10) }),
    // Not for O.
    server('x01', { lintCodes: ['unhashed_email'] }),
    server('ghost-s'),
    server(null, { eventId: 'no-order' }),
    server('ghost-late', { eventTime: new Date('2026-01-12T00:00:00Z') }),
    server('o10', { storeId: 'other' }),
  ]);

  const days = ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10', '2026-01-11'];
  await db.insert(tiktokDailyCounts).values(
    days.map((day, i) => {
      const total = i === 6 ? 4 : 3;
      return { storeId: STORE, day, total, browser: total - 1, server: 1, attributed: 1 };
    }),
  );
}

describe.each(testTargets())('health engine on %s', (target) => {
  let t: TestDatabase;
  let r: HealthReport;

  beforeAll(async () => {
    t = await createTestDatabase(target);
    await seed(t.db);
    r = await computeHealth(t.db, { storeId: STORE, ...WEEK, now: NOW });
  });
  afterAll(() => t?.cleanup());

  it('counts O, A and the legs', () => {
    expect(r).toMatchObject({ store: STORE, from: WEEK.from, to: WEEK.to, settled: true, provisional: false, orders: 20, attributable: 10 });
    expect(r.counts).toMatchObject({
      orders: 20,
      attributable: 10,
      browser: 11,
      server: 14,
      either: 17,
      both: 8,
      bothSameId: 6,
      deduplicated: 5,
      doubleCounts: 3,
      lostBothLegs: 3,
      lostBrowser: 9,
      lostServer: 6,
      withBeacon: 17,
      serverRejectedOnly: 1,
    });
    expect(r.browserCoverage).toBeCloseTo(11 / 20, 12);
    expect(r.serverCoverage).toBeCloseTo(14 / 20, 12);
    expect(r.eitherCoverage).toBeCloseTo(17 / 20, 12);
    expect(r.bothCoverage).toBeCloseTo(8 / 20, 12);
  });

  it('deduplicates on event_id, canonical name and 48 h; the rest are double counts', () => {
    expect(r.dedupRate).toBeCloseTo(5 / 8, 12);
    expect(r.doubleCounts).toBe(3);
    expect(r.doubleCountReasons).toEqual({ event_id_missing: 1, event_id_mismatch: 1, event_name_mismatch: 0, outside_48h: 1 });
  });

  it('builds the bridge from orders to TikTok’s count', () => {
    expect(r.reported).toBe(22);
    expect(r.reportedDetail).toEqual({
      daysFetched: 7,
      daysInWindow: 7,
      missingDays: [],
      complete: true,
      browser: 15,
      server: 7,
      attributed: 7,
    });
    expect(r.expected).toBe(20);
    expect(r.unexplained).toBe(2);
    expect(r.reportedGap).toBeCloseTo(1 - 22 / 20, 12);
    expect(r.bridge.map((s) => [s.step, s.value, s.runningTotal])).toEqual([
      ['orders', 20, 20],
      ['lost_both_legs', -3, 17],
      ['double_counted', 3, 20],
      ['unexplained', 2, 22],
      ['reported', 22, 22],
    ]);
  });

  it('measures key coverage on the first server-leg purchase of each order', () => {
    expect(r.keyCoverage.email).toBeCloseTo(13 / 14, 12);
    expect(r.keyCoverage.phone).toBeCloseTo(2 / 14, 12);
    expect(r.keyCoverage.external_id).toBeCloseTo(13 / 14, 12);
    expect(r.keyCoverage.ttclid).toBeCloseTo(2 / 14, 12);
    expect(r.keyCoverage.ttp).toBeCloseTo(13 / 14, 12);
    expect(r.keyCoverage.ip).toBeCloseTo(13 / 14, 12);
    expect(r.keyCoverage.user_agent).toBeCloseTo(13 / 14, 12);
    expect(r.ttclidCoverageAttributable).toBeCloseTo(2 / 7, 12);
    // 10 × (3·2 + 3·13 + 2·2 + 1·13 + 1·13 + 0.5·13 + 0.5·13) / 14 / 11
    expect(r.matchQualityEstimate).toBeCloseTo(880 / 154, 12);
  });

  it('counts lint codes over the live server purchase events of O (rejected included, tests excluded)', () => {
    // o01..o19's events (o12's near-miss `purchase` included, o17's test event not); not x01's
    // (out of scope), nor events linked to no order.
    expect(r.normalizationErrors).toEqual({
      uppercase_hex: 2,
      event_id_missing: 1,
      event_id_not_string: 1,
      event_name_nonstandard: 1,
      unhashed_email: 1,
    });
    expect(r.normalization).toMatchObject({ events: 18, eventsWithError: 4, eventsWithCode: 5 });
    expect(r.normalizationErrorRate).toBeCloseTo(4 / 18, 12);
    expect(r.normalization.byCode.find((c) => c.code === 'uppercase_hex')).toEqual({
      code: 'uppercase_hex',
      severity: 'warning',
      events: 2,
      rate: 2 / 18,
    });
    expect(r.counts).toMatchObject({ serverEvents: 18, testServerEvents: 1, unlinkedServerEvents: 2, unlinkedBrowserEvents: 1 });
  });

  it('gives every order without a browser leg exactly one cause, first match wins', () => {
    expect(r.lostBrowserCauses).toEqual({
      consent_denied: 1,
      ad_blocker: 2,
      slow_page: 2,
      no_confirmation_view: 3,
      pixel_not_fired: 1,
    });
    const sum = Object.values(r.lostBrowserCauses).reduce((a, b) => a + b, 0);
    expect(sum).toBe(r.counts.lostBrowser);
  });

  it('flags weak matches only on orders with a browser leg', () => {
    expect(r.weakMatches).toEqual({ click_id_stripped: 2, cookie_truncated: 4 });
  });

  it('segments by browser and OS (beacon first, else the order row)', () => {
    const browser = Object.fromEntries(r.segments.browser.map((s) => [s.segment, s.orders]));
    expect(browser).toEqual({ Chrome: 11, 'Mobile Safari': 4, Safari: 2, 'Mobile Chrome': 1, Firefox: 1, unknown: 1 });
    expect(r.segments.browser.map((s) => s.segment)).toEqual(['Chrome', 'Mobile Safari', 'Safari', 'Firefox', 'Mobile Chrome', 'unknown']);
    const chrome = r.segments.browser[0]!;
    expect(chrome).toMatchObject({
      segment: 'Chrome',
      orders: 11,
      browser: 5,
      server: 9,
      either: 9,
      both: 5,
      doubleCounts: 3,
      lostBothLegs: 2,
      lostBrowser: 6,
      lostServer: 2,
      lostBrowserCauses: { consent_denied: 1, ad_blocker: 2, slow_page: 1, no_confirmation_view: 1, pixel_not_fired: 1 },
    });
    expect(chrome.browserCoverage).toBeCloseTo(5 / 11, 12);
    expect(chrome.modelledGap).toBeCloseTo(1 - 12 / 11, 12);
    const os = Object.fromEntries(r.segments.os.map((s) => [s.segment, s.orders]));
    expect(os).toEqual({
      'Android 14': 10,
      'Android 13': 1,
      'iOS 17': 3,
      'iOS 16': 1,
      'iOS 18': 1,
      'macOS 10': 2,
      'Windows 10': 1,
      unknown: 1,
    });
  });

  it('segments by days to conversion and page load', () => {
    expect(r.segments.daysToConversion.map((s) => [s.segment, s.orders])).toEqual([
      ['0', 2],
      ['1-6', 3],
      ['7-29', 5],
      ['30+', 2],
      ['unknown', 8],
    ]);
    expect(r.segments.pageLoad.map((s) => [s.segment, s.orders])).toEqual([
      ['<2s', 12],
      ['2-5s', 3],
      ['>5s', 1],
      ['unknown', 1],
      ['no beacon', 3],
    ]);
    const noBeacon = r.segments.pageLoad.at(-1)!;
    expect(noBeacon).toMatchObject({ browser: 0, server: 1, lostBrowserCauses: { no_confirmation_view: 3 } });
  });

  it('reports missing TikTok days and withholds gap and unexplained', async () => {
    const partial = await computeHealth(t.db, { storeId: STORE, from: '2026-01-05', to: '2026-01-12', now: NOW });
    expect(partial.orders).toBe(21); // x02 is processed at 2026-01-12 00:00Z
    expect(partial.reported).toBe(22);
    expect(partial.reportedDetail).toMatchObject({ daysFetched: 7, daysInWindow: 8, missingDays: ['2026-01-12'], complete: false });
    expect(partial.reportedGap).toBeNull();
    expect(partial.unexplained).toBeNull();
    expect(partial.bridge.at(-1)).toMatchObject({ value: 22, label: 'reported (7 of 8 days)' });
  });

  it('answers an empty window with zero counts and null rates', async () => {
    const empty = await computeHealth(t.db, { storeId: STORE, from: '2025-06-01', to: '2025-06-07', now: NOW });
    expect(empty).toMatchObject({
      orders: 0,
      attributable: 0,
      reported: null,
      reportedGap: null,
      browserCoverage: null,
      serverCoverage: null,
      eitherCoverage: null,
      bothCoverage: null,
      dedupRate: null,
      doubleCounts: 0,
      expected: 0,
      unexplained: null,
      ttclidCoverageAttributable: null,
      matchQualityEstimate: null,
      normalizationErrors: {},
      normalizationErrorRate: null,
      lostBrowserCauses: { consent_denied: 0, ad_blocker: 0, slow_page: 0, no_confirmation_view: 0, pixel_not_fired: 0 },
      weakMatches: { click_id_stripped: 0, cookie_truncated: 0 },
      segments: { browser: [], os: [], daysToConversion: [], pageLoad: [] },
    });
    expect(Object.values(empty.keyCoverage).every((v) => v === null)).toBe(true);
    expect(empty.reportedDetail.missingDays).toHaveLength(7);
    expect(formatHealthReport(empty)).toContain('no in-scope orders');
  });

  it('isolates stores', async () => {
    const other = await computeHealth(t.db, { storeId: 'other', ...WEEK, now: NOW });
    expect(other.counts).toMatchObject({ orders: 1, browser: 1, server: 1, both: 1, deduplicated: 1 });
  });

  it('is provisional until 72 h after the window ends', async () => {
    const before = await computeHealth(t.db, { storeId: STORE, ...WEEK, now: new Date('2026-01-14T23:59:59Z') });
    const after = await computeHealth(t.db, { storeId: STORE, ...WEEK, now: new Date('2026-01-15T00:00:00Z') });
    expect([before.settled, before.provisional]).toEqual([false, true]);
    expect([after.settled, after.provisional]).toEqual([true, false]);
    expect(before.settlesAt).toBe('2026-01-15T00:00:00.000Z');
  });

  it('rejects a malformed window', async () => {
    await expect(computeHealth(t.db, { storeId: STORE, from: '2026-01-11', to: '2026-01-05' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(computeHealth(t.db, { storeId: STORE, from: '2026-02-30', to: '2026-03-01' })).rejects.toThrow(/not a date/);
  });

  it('renders the report as text', () => {
    const text = formatHealthReport(r);
    expect(text).toContain('orders 20 → lost on both legs −3 → double counted +3 → unexplained +2 → reported 22');
    expect(text).toMatch(/pixel_not_fired\s+1/);
  });

  it('saves snapshots idempotently per (store, kind, window) and lists them', async () => {
    await saveSnapshot(t.db, { storeId: STORE, kind: 'weekly', ...WEEK, report: r });
    const provisional = await computeHealth(t.db, { storeId: STORE, ...WEEK, now: new Date('2026-01-13T00:00:00Z') });
    await saveSnapshot(t.db, { storeId: STORE, kind: 'weekly', ...WEEK, report: provisional });
    const weekly = await listSnapshots(t.db, STORE, 'weekly');
    expect(weekly).toHaveLength(1);
    expect(weekly[0]).toMatchObject({ windowFrom: WEEK.from, windowTo: WEEK.to, settled: false });
    expect((weekly[0]!.metrics as HealthReport).computedAt).toBe('2026-01-13T00:00:00.000Z');

    await snapshotHealth(t.db, { storeId: STORE, kind: 'rolling7', from: '2026-01-06', to: '2026-01-12', now: NOW });
    await snapshotHealth(t.db, { storeId: STORE, kind: 'rolling7', from: '2026-01-05', to: '2026-01-11', now: NOW });
    expect((await listSnapshots(t.db, STORE, 'rolling7')).map((s) => s.windowTo)).toEqual(['2026-01-12', '2026-01-11']);
    const latest = await latestSnapshots(t.db, STORE);
    expect(latest.map((s) => [s.kind, s.windowTo])).toEqual([
      ['rolling7', '2026-01-12'],
      ['weekly', '2026-01-11'],
    ]);
    expect((await latestSnapshots(t.db, STORE, 'weekly')).map((s) => s.kind)).toEqual(['weekly']);
    expect(await latestSnapshots(t.db, 'other')).toEqual([]);

    await expect(saveSnapshot(t.db, { storeId: STORE, kind: 'adhoc', from: '2026-01-01', to: '2026-01-11', report: r })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
