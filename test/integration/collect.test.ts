/** POST /api/collect over real HTTP: the fast route on a bare node:http server and a real database. */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { selectRows } from '@/db/client';
import { insertBrowserEvents, listBrowserEvents, type NewBrowserEvent } from '@/db/queries/browser-events';
import { createStore } from '@/lib/stores';
import { cachedStoreResolver, closeCollectRoutes, createCollectRoute, EMBEDDED_BATCH, MAX_BEACON_BYTES } from '@/lib/ingest/collect';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';
import { startCollectServer, type CollectServer } from './collect-server';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IOS_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

let seq = 0;
const beaconId = () => `beacon${Date.now().toString(36)}${(seq++).toString(36).padStart(4, '0')}`;

describe.each(testTargets())('POST /api/collect on %s', (target) => {
  let t: TestDatabase;
  let srv: CollectServer;
  let publicKey: string;
  let storeId: string;

  const beacon = (over: Record<string, unknown> = {}) => ({
    v: 1,
    store: publicKey,
    id: beaconId(),
    events: [{ name: 'CompletePayment', event_id: '1001', order_id: '1001' }],
    page: { url: 'https://shop.example/checkouts/thank_you?ttclid=E.C.P.x&key=secret', load_ms: 2300 },
    pixel: { loaded: true, tracked: true, request_seen: true },
    probe: 'ok',
    consent: 'granted',
    ttclid: true,
    ttp: false,
    ...over,
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${srv.url}/api/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, origin: 'https://shop.example', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const count = async () => {
    await srv.route.flush();
    const [row] = await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from browser_events`);
    return Number(row!.n);
  };

  const expectError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code, message: expect.any(String) } });
  };

  beforeAll(async () => {
    t = await createTestDatabase(target);
    const { store } = await createStore(t.db, { name: 'Beacon Shop', platform: 'custom', timezone: 'UTC', currency: 'EUR' });
    publicKey = store.public_key;
    storeId = store.id;
    srv = await startCollectServer(t.db, { batch: { maxDelayMs: 50 } });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.cleanup();
  });
  beforeEach(async () => {
    await srv.route.flush();
    await t.db.execute(sql`delete from browser_events`);
  });

  it('accepts a beacon with 202 and records the browser-leg observation after the batch flush', async () => {
    const b = beacon();
    const res = await post(b, { 'user-agent': IOS_UA });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toBe('');

    // Written by the batch writer within its delay, without an explicit flush.
    let rows = await listBrowserEvents(t.db, { storeId });
    for (let i = 0; rows.length === 0 && i < 250; i++) {
      await new Promise((r) => setTimeout(r, 20));
      rows = await listBrowserEvents(t.db, { storeId });
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      storeId,
      beaconId: b.id,
      eventName: 'CompletePayment',
      eventId: '1001',
      orderId: '1001',
      pixelLoaded: true,
      pixelTracked: true,
      probeOk: true,
      pageLoadMs: 2300,
      leftBeforeSend: false,
      consent: 'granted',
      hasTtclid: true,
      hasTtp: false,
      browser: 'Safari',
      browserMajor: 17,
      os: 'iOS',
      osMajor: 17,
      deviceType: 'mobile',
      pageUrl: 'https://shop.example/checkouts/thank_you?ttclid&key',
    });
    expect(rows[0]!.receivedAt).toBeInstanceOf(Date);
  });

  it('accepts text/plain JSON (what navigator.sendBeacon sends)', async () => {
    const res = await post(beacon(), { 'content-type': 'text/plain;charset=UTF-8' });
    expect(res.status).toBe(202);
    expect(await count()).toBe(1);
  });

  it('answers the CORS preflight', async () => {
    const res = await fetch(`${srv.url}/api/collect`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('refuses a body over 8 KB with 413 and records nothing (declared length and streamed)', async () => {
    const b = beacon();
    const padded = JSON.stringify({ ...b, pad: '' });
    const body = padded.replace('"pad":""', `"pad":"${'x'.repeat(MAX_BEACON_BYTES + 1 - padded.length)}"`);
    expect(Buffer.byteLength(body)).toBe(MAX_BEACON_BYTES + 1);
    await expectError(await post(body), 413, 'payload_too_large');

    // Exactly at the limit is fine.
    const atLimit = padded.replace('"pad":""', `"pad":"${'x'.repeat(MAX_BEACON_BYTES - padded.length)}"`);
    expect((await post(atLimit)).status).toBe(202);

    // Chunked, without content-length: cut off while streaming.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${srv.url}/api/collect`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 5000));
      req.end(body.slice(5000));
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.code).toBe('payload_too_large');
    expect(await count()).toBe(1); // only the at-limit beacon
  });

  it('refuses malformed JSON and wrong types with 400 in the one error shape, recording nothing', async () => {
    await expectError(await post('{"v":1,"store":'), 400, 'invalid_json');
    await expectError(await post(''), 400, 'invalid_json');
    await expectError(await post(beacon({ events: [{ name: 'CompletePayment', event_id: 1001 }] })), 400, 'validation_failed');
    await expectError(await post(beacon({ pixel: { loaded: 'yes' } })), 400, 'validation_failed');
    await expectError(await post([1, 2]), 400, 'validation_failed');
    const res = await post(beacon({ v: 2 }));
    expect((await res.json()).error.message).toMatch(/^v:/);
    expect(await count()).toBe(0);
  });

  it('ignores bots with 204 and records nothing', async () => {
    const res = await post(beacon(), { 'user-agent': BOT_UA });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const headless = await post(beacon(), { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36' });
    expect(headless.status).toBe(204);
    expect(srv.route.stats().bots).toBeGreaterThanOrEqual(2);
    expect(await count()).toBe(0);
  });

  it('records a replayed beacon once (same batch and across batches)', async () => {
    const b = beacon();
    expect((await post(b)).status).toBe(202);
    expect((await post(b)).status).toBe(202);
    expect(await count()).toBe(1);
    expect((await post(b)).status).toBe(202);
    expect(await count()).toBe(1);
  });

  it('answers an unknown store key with 404', async () => {
    await expectError(await post(beacon({ store: 'swpk_doesnotexist0000' })), 404, 'not_found');
    expect(await count()).toBe(0);
  });

  it('refuses other content types (415) and methods (405)', async () => {
    await expectError(await post('v=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    const get = await fetch(`${srv.url}/api/collect`);
    await expectError(get, 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toMatch(/POST/);
    expect(await count()).toBe(0);
  });

  it('leaves other paths to the next handler', async () => {
    expect((await fetch(`${srv.url}/api/collectx`, { method: 'POST' })).status).toBe(404);
    expect(await (await fetch(`${srv.url}/api/other`)).text()).toBe('not found');
  });

  it('batches concurrent beacons into few INSERTs', async () => {
    const own = await startCollectServer(t.db); // production batching: 500 rows or 1 s
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, () =>
          fetch(`${own.url}/api/collect`, { method: 'POST', headers: { 'user-agent': CHROME_UA }, body: JSON.stringify(beacon()) }),
        ),
      );
      expect(results.every((r) => r.status === 202)).toBe(true);
      await own.route.flush();
      expect(await count()).toBe(200);
      expect(own.route.stats().writer).toMatchObject({ written: 200, queued: 0 });
      // One INSERT per up to 500 rows or per second (a few more if the machine is slow).
      expect(own.route.stats().writer.batches).toBeLessThanOrEqual(20);
    } finally {
      await own.close();
    }
  });

  it('refuses a beacon the database could not store, so it cannot fail the batch of the others', async () => {
    const before = await count();
    const good = beacon();
    const [bad, ok] = await Promise.all([post(beacon({ order_id: 'a\u0000b' })), post(good)]);
    await expectError(bad, 400, 'validation_failed');
    expect(ok.status).toBe(202);
    expect(await count()).toBe(before + 1);
    expect(srv.route.stats().writer).toMatchObject({ queued: 0 });
  });

  it('on the embedded database, starts with small time-sized batches and keeps every beacon', async () => {
    const own = await startCollectServer(t.db, { dbKind: 'pglite', batch: { maxDelayMs: 60_000 } });
    const [before] = await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from browser_events`);
    try {
      expect(own.route.stats().writer.batchSize).toBe(EMBEDDED_BATCH.minBatch);
      const results = await Promise.all(
        Array.from({ length: 300 }, () =>
          fetch(`${own.url}/api/collect`, { method: 'POST', headers: { 'user-agent': CHROME_UA }, body: JSON.stringify(beacon()) }),
        ),
      );
      expect(results.every((r) => r.status === 202)).toBe(true);
    } finally {
      await own.close(); // flushes what the 60 s timer has not written yet
    }
    const writer = own.route.stats().writer;
    expect(writer).toMatchObject({ written: 300, queued: 0, failedWrites: 0 });
    // Full batches were written while requests arrived, not one 300-row insert at the end.
    expect(writer.batches).toBeGreaterThanOrEqual(2);
    const [after] = await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from browser_events`);
    expect(Number(after!.n) - Number(before!.n)).toBe(300);
  });

  it('caches store keys: a repeat lookup answers without the database', async () => {
    const resolve = cachedStoreResolver(t.db, { ttlMs: 60_000 });
    const first = resolve(publicKey);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(storeId);
    expect(resolve(publicKey)).toBe(storeId); // synchronous: from the cache
    expect(await resolve('swpk_unknownkey000000')).toBeNull();
    expect(resolve('swpk_unknownkey000000')).toBeNull(); // unknown keys are cached too
  });

  it('flushes queued rows on shutdown', async () => {
    const route = createCollectRoute({ db: t.db, batch: { maxDelayMs: 60_000 } });
    const other = await startCollectServer(t.db, { batch: { maxDelayMs: 60_000 } });
    try {
      expect((await fetch(`${other.url}/api/collect`, { method: 'POST', headers: { 'user-agent': CHROME_UA }, body: JSON.stringify(beacon()) })).status).toBe(202);
      const [before] = await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from browser_events`);
      expect(Number(before!.n)).toBe(0); // still queued
      await closeCollectRoutes(); // what server.ts close() calls
      const [after] = await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from browser_events`);
      expect(Number(after!.n)).toBe(1);
      expect(route.stats().writer.queued).toBe(0);
    } finally {
      await other.close();
      // closeCollectRoutes closed the shared server's route too; give the suite a fresh one.
      await srv.close();
      srv = await startCollectServer(t.db, { batch: { maxDelayMs: 50 } });
    }
  });
});

describe.each(testTargets())('browser_events queries on %s', (target) => {
  let t: TestDatabase;
  let a: string;
  let b: string;
  beforeAll(async () => {
    t = await createTestDatabase(target);
    a = (await createStore(t.db, { name: 'Store A', platform: 'custom', timezone: 'UTC', currency: 'EUR' })).store.id;
    b = (await createStore(t.db, { name: 'Store B', platform: 'custom', timezone: 'UTC', currency: 'EUR' })).store.id;
  });
  afterAll(() => t?.cleanup());

  const full: Omit<NewBrowserEvent, 'storeId' | 'beaconId'> = {
    receivedAt: new Date('2026-03-02T10:00:00.123Z'),
    eventName: 'CompletePayment',
    eventId: 'e-1',
    orderId: 'o-1',
    pixelLoaded: true,
    pixelTracked: true,
    probeOk: false,
    pageLoadMs: 5400,
    leftBeforeSend: true,
    consent: 'denied',
    hasTtclid: false,
    hasTtp: true,
    browser: 'Safari',
    browserMajor: 17,
    os: 'iOS',
    osMajor: 17,
    deviceType: 'mobile',
    pageUrl: "https://shop.example/it's/thank_you?ttclid",
  };

  it('round-trips every column, applies defaults, and counts only new rows', async () => {
    expect(await insertBrowserEvents(t.db, [{ ...full, storeId: a, beaconId: 'full-0001' }, { storeId: a, beaconId: 'bare-0001' }])).toBe(2);
    const rows = await listBrowserEvents(t.db, { storeId: a });
    const byId = Object.fromEntries(rows.map((r) => [r.beaconId, r]));
    expect(byId['full-0001']).toEqual({ ...full, id: expect.any(Number), storeId: a, beaconId: 'full-0001' });
    expect(byId['bare-0001']).toMatchObject({ consent: 'unknown', eventName: null, pixelLoaded: null, pageUrl: null });
    expect(Date.now() - byId['bare-0001']!.receivedAt.getTime()).toBeLessThan(60_000);
    // Replays, inside one batch and against stored rows; the same beacon id in another store is new.
    expect(
      await insertBrowserEvents(t.db, [
        { storeId: a, beaconId: 'full-0001' },
        { storeId: a, beaconId: 'new-0001' },
        { storeId: a, beaconId: 'new-0001' },
        { storeId: b, beaconId: 'full-0001' },
      ]),
    ).toBe(2);
    expect(await insertBrowserEvents(t.db, [])).toBe(0);
  });

  it.runIf(target === 'pglite')('PGlite: the prepared INSERT survives DEALLOCATE ALL and quotes any text', async () => {
    expect(await insertBrowserEvents(t.db, [{ storeId: a, beaconId: 'prep-0001' }])).toBe(1);
    await t.db.execute(sql`deallocate all`);
    // Text that would end a naive literal or dollar quote is stored verbatim.
    const tricky = `it's $r$ $r0$ \\ "q" ${'$$'}`;
    expect(await insertBrowserEvents(t.db, [{ storeId: a, beaconId: 'prep-0002', orderId: tricky }, { storeId: a, beaconId: 'prep-0001' }])).toBe(1);
    const rows = await listBrowserEvents(t.db, { storeId: a });
    expect(rows.find((r) => r.beaconId === 'prep-0002')?.orderId).toBe(tricky);
  });

  it('lists a store\'s beacons newest first, by received window and limit', async () => {
    const at = (iso: string) => new Date(iso);
    await insertBrowserEvents(t.db, [
      { storeId: b, beaconId: 'w-0000001', receivedAt: at('2026-04-01T00:00:00Z') },
      { storeId: b, beaconId: 'w-0000002', receivedAt: at('2026-04-02T00:00:00Z') },
      { storeId: b, beaconId: 'w-0000003', receivedAt: at('2026-04-03T00:00:00Z') },
    ]);
    const ids = async (o: Parameters<typeof listBrowserEvents>[1]) => (await listBrowserEvents(t.db, o)).map((r) => r.beaconId);
    expect(await ids({ storeId: b, from: at('2026-04-01T00:00:00Z'), to: at('2026-04-03T00:00:00Z') })).toEqual(['w-0000002', 'w-0000001']);
    expect(await ids({ storeId: b, from: at('2026-04-02T00:00:00Z'), to: at('2026-04-04T00:00:00Z'), limit: 1 })).toEqual(['w-0000003']);
    expect((await ids({ storeId: a })).every((id) => !id!.startsWith('w-'))).toBe(true);
  });
});
