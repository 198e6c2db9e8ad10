/** Reading back what TikTok counted: the real sync against the fake TikTok over HTTP, on a real database. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTikTokDailyCounts } from '@/db/queries/tiktok-counts';
import { tiktokSync } from '@/jobs/tiktok-sync';
import { createStore, requireStore, setStoreSecret, updateStoreSettings } from '@/lib/stores';
import { createTikTokClient } from '@/lib/tiktok/client';
import { syncTikTokCounts } from '@/lib/tiktok/counts-sync';
import { startFakeTikTok, type FakeTikTok } from '@/sandbox/tiktok/server';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const PIXEL = {
  advertiserId: '7000000000000000001',
  pixelCode: 'CSYNCPIXEL0001',
  pixelId: '6987488643342467073',
  eventsToken: 'events-token-1',
  marketingToken: 'marketing-token-1',
};
const D1 = '2026-06-01';
const D2 = '2026-06-02';
const NOW = new Date('2026-06-03T08:00:00Z');
const LATER = new Date('2026-06-03T14:00:00Z');
const NO_RETRY = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
/** Noon UTC of a day, Unix seconds. */
const noon = (day: string) => Date.parse(`${day}T12:00:00Z`) / 1000;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
/** Migrating a fresh PGlite takes most of a minute when the machine is busy. */
const SETUP_TIMEOUT_MS = 180_000;

describe.each(testTargets())('TikTok counts sync against the fake TikTok on %s', (target) => {
  let t: TestDatabase;
  let fake: FakeTikTok;

  async function sendServer(day: string, events: { id: string; offset: number; ttclid?: string; event?: string }[], testEventCode?: string) {
    const response = await fetch(`${fake.url}/open_api/v1.3/event/track/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Access-Token': PIXEL.eventsToken },
      body: JSON.stringify({
        event_source: 'web',
        event_source_id: PIXEL.pixelCode,
        ...(testEventCode ? { test_event_code: testEventCode } : {}),
        data: events.map((e) => ({
          event: e.event ?? 'CompletePayment',
          event_time: noon(day) + e.offset,
          event_id: e.id,
          user: { email: sha256(`${e.id}@example.com`), ...(e.ttclid ? { ttclid: e.ttclid } : {}) },
          properties: { currency: 'USD', value: 25, order_id: e.id },
        })),
      }),
    });
    expect(await response.json()).toMatchObject({ code: 0 });
  }

  async function sendBrowser(day: string, events: { id: string; offset: number; ttclid?: string }[]) {
    const response = await fetch(`${fake.url}/sandbox/pixel/track`, {
      method: 'POST',
      body: JSON.stringify({
        events: events.map((e) => ({
          pixel_code: PIXEL.pixelCode,
          event: 'CompletePayment',
          event_id: e.id,
          timestamp: noon(day) + e.offset,
          ...(e.ttclid ? { ttclid: e.ttclid } : {}),
          properties: { value: 25, currency: 'USD', order_id: e.id },
        })),
      }),
    });
    expect(response.status).toBe(200);
  }

  /** What the fake itself reports for one day, asked directly through the client. */
  async function fakeStats(day: string) {
    const client = createTikTokClient({ baseUrl: fake.url });
    const [stats] = await client.getPurchaseStats({
      accessToken: PIXEL.marketingToken,
      advertiserId: PIXEL.advertiserId,
      pixelIds: [PIXEL.pixelId],
      day,
    });
    return { total: stats!.total, browser: stats!.browser, server: stats!.server, attributed: stats!.attributed };
  }

  const stored = async (storeId = 'pixel-shop', from = D1, to = D2) =>
    (await listTikTokDailyCounts(t.db, { storeId, from, to })).map((r) => ({
      day: r.day,
      total: r.total,
      browser: r.browser,
      server: r.server,
      attributed: r.attributed,
    }));

  beforeAll(async () => {
    t = await createTestDatabase(target);
    fake = await startFakeTikTok({ port: 0, pixels: [PIXEL] });
    await createStore(t.db, {
      name: 'Pixel Shop',
      platform: 'custom',
      timezone: 'UTC',
      currency: 'USD',
      pixel_code: PIXEL.pixelCode,
      advertiser_id: PIXEL.advertiserId,
    });
    await setStoreSecret(t.db, 'pixel-shop', 'tiktok_marketing_token', PIXEL.marketingToken);

    // Day 1: order-1 on both legs with one event_id (TikTok merges it), order-2 server only with a
    // click id, order-3 browser only, and a test event that never counts.
    await sendBrowser(D1, [
      { id: 'order-1', offset: 0, ttclid: 'CLICK-1' },
      { id: 'order-3', offset: 600 },
    ]);
    await sendServer(D1, [
      { id: 'order-1', offset: 60 },
      { id: 'order-2', offset: 120, ttclid: 'CLICK-2' },
    ]);
    await sendServer(D1, [{ id: 'order-test', offset: 300 }], 'TEST123');
    // Day 2: two server-only purchases (one named Purchase), one browser-only, one non-purchase event.
    await sendServer(D2, [
      { id: 'order-4', offset: 0 },
      { id: 'order-5', offset: 30, event: 'Purchase' },
      { id: 'cart-1', offset: 40, event: 'AddToCart' },
    ]);
    await sendBrowser(D2, [{ id: 'order-6', offset: 90, ttclid: 'CLICK-6' }]);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await fake?.close();
    await t?.cleanup();
  });

  it('stores per day exactly what TikTok reports, deduplicated pair counted once', async () => {
    const progress: string[] = [];
    const store = await requireStore(t.db, 'pixel-shop');
    expect(store.pixelId).toBeNull();
    const summary = await syncTikTokCounts(t.db, store, {
      from: D1,
      to: D2,
      baseUrl: fake.url,
      now: NOW,
      onProgress: (e) => progress.push(`${e.day}:${e.ok}:${e.done}/${e.total}`),
    });
    expect(summary).toEqual({ store: 'pixel-shop', from: D1, to: D2, days: 2, fetched: 2, failedDays: [] });
    expect(progress).toEqual([`${D1}:true:1/2`, `${D2}:true:2/2`]);

    const rows = await stored();
    expect(rows).toEqual([
      { day: D1, total: 3, browser: 2, server: 1, attributed: 2 },
      { day: D2, total: 3, browser: 1, server: 2, attributed: 1 },
    ]);
    expect(rows.map(({ day: _day, ...counts }) => counts)).toEqual([await fakeStats(D1), await fakeStats(D2)]);
    // The merged server copy of order-1 is what dedup did; the fake's ground truth agrees.
    expect(fake.controls.summary({ pixelCode: PIXEL.pixelCode })).toMatchObject({ merged: 1, test: 1 });

    const [first] = await listTikTokDailyCounts(t.db, { storeId: 'pixel-shop', from: D1, to: D1 });
    expect(first).toMatchObject({ eventType: 'SHOPPING', fetchedAt: NOW });
  });

  it('caches the numeric pixel id: one /pixel/list/ lookup, then none', async () => {
    expect((await requireStore(t.db, 'pixel-shop')).pixelId).toBe(PIXEL.pixelId);
    const before = fake.controls.requestCounts();
    expect(before.pixelList).toBe(1);
    await syncTikTokCounts(t.db, await requireStore(t.db, 'pixel-shop'), { from: D1, to: D1, baseUrl: fake.url, now: NOW });
    const after = fake.controls.requestCounts();
    expect(after.pixelList).toBe(1);
    expect(after.pixelStats - before.pixelStats).toBe(1);
  });

  it('re-fetching a day after more events replaces its counts', async () => {
    await sendServer(D2, [{ id: 'order-7', offset: 3600, ttclid: 'CLICK-7' }]);
    // A late browser copy of order-7 inside the merge window: deduplicated, the count does not move.
    await sendBrowser(D2, [{ id: 'order-7', offset: 3630 }]);
    const summary = await syncTikTokCounts(t.db, await requireStore(t.db, 'pixel-shop'), {
      from: D2,
      to: D2,
      baseUrl: fake.url,
      now: LATER,
    });
    expect(summary).toMatchObject({ days: 1, fetched: 1, failedDays: [] });
    const rows = await stored();
    expect(rows).toEqual([
      { day: D1, total: 3, browser: 2, server: 1, attributed: 2 },
      { day: D2, total: 4, browser: 1, server: 3, attributed: 2 },
    ]);
    expect(rows[1]).toMatchObject(await fakeStats(D2));
    const all = await listTikTokDailyCounts(t.db, { storeId: 'pixel-shop', from: D1, to: D2 });
    expect(all.map((r) => r.fetchedAt.toISOString())).toEqual([NOW.toISOString(), LATER.toISOString()]);
  });

  it('uses browser + server when TikTok leaves total_count out', async () => {
    fake.controls.setMode({ statsTotalCount: 'omitted' });
    try {
      await syncTikTokCounts(t.db, await requireStore(t.db, 'pixel-shop'), { from: D1, to: D1, baseUrl: fake.url, now: NOW });
      expect((await stored())[0]).toEqual({ day: D1, total: 3, browser: 2, server: 1, attributed: 2 });
    } finally {
      fake.controls.setMode({ statsTotalCount: 'filled' });
    }
  });

  it('reports a day TikTok fails on and still reads the others, keeping the old row of the failed day', async () => {
    const before = await stored();
    fake.controls.setMode({ fault: 'outage_code', faultCount: 1 });
    const summary = await syncTikTokCounts(t.db, await requireStore(t.db, 'pixel-shop'), {
      from: D1,
      to: D2,
      baseUrl: fake.url,
      now: LATER,
      retry: NO_RETRY,
    });
    expect(summary.fetched).toBe(1);
    expect(summary.failedDays).toEqual([{ day: D1, reason: expect.stringMatching(/50000/) }]);
    expect(await stored()).toEqual(before);
    const [d1] = await listTikTokDailyCounts(t.db, { storeId: 'pixel-shop', from: D1, to: D1 });
    expect(d1!.fetchedAt).toEqual(NOW);
  });

  it('retries a throttled day and then reads it', async () => {
    fake.controls.setMode({ fault: 'throttle', faultCount: 2 });
    const summary = await syncTikTokCounts(t.db, await requireStore(t.db, 'pixel-shop'), {
      from: D1,
      to: D1,
      baseUrl: fake.url,
      now: NOW,
      sleep: async () => {},
    });
    expect(summary).toMatchObject({ fetched: 1, failedDays: [] });
  });

  it('a store without a marketing token gets a clear error naming the fix, and nothing is asked or written', async () => {
    await createStore(t.db, {
      name: 'No Token',
      platform: 'custom',
      timezone: 'UTC',
      currency: 'USD',
      pixel_code: 'CNOTOKEN0001',
      advertiser_id: PIXEL.advertiserId,
    });
    const requests = fake.controls.requestCounts();
    const attempt = syncTikTokCounts(t.db, await requireStore(t.db, 'no-token'), { from: D1, to: D2, baseUrl: fake.url, now: NOW });
    await expect(attempt).rejects.toMatchObject({ code: 'not_configured' });
    await expect(attempt).rejects.toThrow(/signalwatch store secret no-token tiktok_marketing_token/);
    expect(fake.controls.requestCounts()).toEqual(requests);
    expect(await stored('no-token')).toEqual([]);
  });

  it('a store without pixel code or advertiser id is told which `store set` fixes it', async () => {
    await createStore(t.db, { name: 'Bare', platform: 'custom', timezone: 'UTC', currency: 'USD' });
    await setStoreSecret(t.db, 'bare', 'tiktok_marketing_token', PIXEL.marketingToken);
    const attempt = syncTikTokCounts(t.db, await requireStore(t.db, 'bare'), { from: D1, to: D1, baseUrl: fake.url, now: NOW });
    await expect(attempt).rejects.toThrow(/no pixel code \(set it with `signalwatch store set bare pixel_code=CODE`\)/);
    await expect(attempt).rejects.toThrow(/no advertiser id \(set it with `signalwatch store set bare advertiser_id=ID`\)/);
  });

  it('a pixel code TikTok does not know is a clear not_found, and nothing is cached', async () => {
    await updateStoreSettings(t.db, 'bare', { pixel_code: 'CUNKNOWN0001', advertiser_id: PIXEL.advertiserId });
    const attempt = syncTikTokCounts(t.db, await requireStore(t.db, 'bare'), { from: D1, to: D1, baseUrl: fake.url, now: NOW });
    await expect(attempt).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no pixel with code CUNKNOWN0001/) });
    expect((await requireStore(t.db, 'bare')).pixelId).toBeNull();
  });

  it('refuses a bad window before asking TikTok', async () => {
    const store = await requireStore(t.db, 'pixel-shop');
    const requests = fake.controls.requestCounts();
    const run = (from: string, to: string) => syncTikTokCounts(t.db, store, { from, to, baseUrl: fake.url, now: NOW });
    await expect(run(D2, D1)).rejects.toThrow(/is after to/);
    await expect(run('2026-02-30', D1)).rejects.toThrow(/UTC date/);
    await expect(run(D1, '2026-06-04')).rejects.toThrow(/after today's UTC date \(2026-06-03\)/);
    expect(fake.controls.requestCounts()).toEqual(requests);
  });

  it('the job reads the last 7 UTC days of every configured store and counts the others', async () => {
    // bare back to no pixel code: not configured, like no-token (no marketing token).
    await updateStoreSettings(t.db, 'bare', { pixel_code: '' });
    const logs: string[] = [];
    const fireTime = new Date('2026-06-03T06:15:00Z');
    const before = fake.controls.requestCounts();
    const counts = await tiktokSync.run({ db: t.db, now: fireTime, log: (m) => logs.push(m), tiktokBaseUrl: fake.url });
    expect(counts).toEqual({ stores: 1, notConfigured: 2, days: 7, fetched: 7, failedDays: 0, failedStores: 0 });
    expect(fake.controls.requestCounts().pixelStats - before.pixelStats).toBe(7);
    const days = (await listTikTokDailyCounts(t.db, { storeId: 'pixel-shop', from: '2026-01-01', to: '2026-12-31' })).map((r) => r.day);
    expect(days).toEqual(['2026-05-28', '2026-05-29', '2026-05-30', '2026-05-31', D1, D2, '2026-06-03']);
    expect(logs).toEqual([]);

    // A fire time ahead of the wall clock (the demo's simulated clock) is not "the future".
    const ahead = new Date(Date.now() + 3 * 86_400_000);
    const later = await tiktokSync.run({ db: t.db, now: ahead, log: (m) => logs.push(m), tiktokBaseUrl: fake.url });
    expect(later).toMatchObject({ stores: 1, fetched: 7, failedDays: 0 });
    const [last] = await listTikTokDailyCounts(t.db, { storeId: 'pixel-shop', from: ahead.toISOString().slice(0, 10), to: '2100-01-01' });
    expect(last).toMatchObject({ day: ahead.toISOString().slice(0, 10), total: 0, eventType: null, fetchedAt: ahead });
  });

  it('the job fails when a configured store cannot be read, after syncing the rest', async () => {
    await updateStoreSettings(t.db, 'bare', { pixel_code: 'CUNKNOWN0001' });
    const logs: string[] = [];
    const run = tiktokSync.run({ db: t.db, now: new Date('2026-06-03T12:15:00Z'), log: (m) => logs.push(m), tiktokBaseUrl: fake.url });
    await expect(run).rejects.toThrow('1 of 2 store(s) failed to sync TikTok counts');
    expect(logs).toEqual([expect.stringMatching(/^bare: .*no pixel with code CUNKNOWN0001/)]);
    expect(tiktokSync).toMatchObject({ name: 'tiktok-sync', cron: '15 */6 * * *' });
  });
});
