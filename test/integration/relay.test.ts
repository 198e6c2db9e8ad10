/**
 * The Events API relay over real HTTP (a bare node:http server with the fast route), a real
 * database and the fake TikTok on port 0: modes, refusals, the write-ahead outbox through an
 * outage, drain splitting, horizon, restart safety, and the outbox / import CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectRows } from '@/db/client';
import { runCli } from '@/cli/run';
import { bufferIo } from '@/cli/io';
import { resetEnvCache } from '@/lib/config/env';
import { sha256Hex } from '@/lib/identity';
import { createRelay, RELAY_PATH, type RelayOptions, type RelayRoute } from '@/lib/relay/relay';
import { drainOutbox, writeAhead } from '@/lib/relay/outbox';
import { outboxDrain } from '@/jobs/outbox-drain';
import { createStore, setStoreSecret, updateStoreSettings } from '@/lib/stores';
import { getStore } from '@/db/queries/stores';
import { startFakeTikTok, type FakeTikTok } from '@/sandbox/tiktok/server';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const PIXEL = 'CRELAYPIXEL0001';
const PIXEL_NO_TOKEN = 'CRELAYPIXEL0002';
const TOKEN = 'tt-events-token-relay-1';
const TOKEN_2 = 'tt-events-token-relay-2';
const RAW_EMAIL = ' Jane.Doe@Example.com ';
const RAW_PHONE = '(213) 373-4253';
const MIN = 60_000;
const HOUR = 60 * MIN;

interface Srv {
  url: string;
  close(): Promise<void>;
}

async function serve(route: RelayRoute): Promise<Srv> {
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (await route(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const eventTime = Math.floor(Date.now() / 1000) - 120;
let seq = 0;
const nextOrder = () => `${5551000 + seq++}`;

function purchase(orderId = nextOrder(), over: Record<string, unknown> = {}) {
  return {
    event: 'CompletePayment',
    event_time: eventTime,
    event_id: `${orderId}-completepayment`,
    user: { email: sha256Hex('jane.doe@example.com'), ip: '203.0.113.7', user_agent: 'Mozilla/5.0 (X11)', ttclid: 'E.C.P.abc' },
    properties: { currency: 'USD', value: 59.45, order_id: orderId },
    page: { url: 'https://shop.example/checkouts/thank_you' },
    ...over,
  };
}

const body = (data: unknown[], pixel = PIXEL, extra: Record<string, unknown> = {}) => ({ event_source: 'web', event_source_id: pixel, data, ...extra });

interface EventRow {
  id: number;
  source: string;
  event_name: string | null;
  event_id: string | null;
  order_id: string | null;
  delivery: string;
  tiktok_code: number | null;
  tiktok_message: string | null;
  outbox_id: number | null;
  lint_codes: string[];
  fixes: string[];
  has_email: boolean;
  has_phone: boolean;
  has_ip: boolean;
  has_ttclid: boolean;
  test_event_code: string | null;
}
interface OutboxRaw {
  id: number;
  store_id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  body: string;
  next_attempt_at: string | Date;
}

describe.each(testTargets())('relay on %s', (target) => {
  let t: TestDatabase;
  let fake: FakeTikTok;
  let relay: RelayRoute;
  let srv: Srv;
  let storeId: string;
  let ingestKey: string;
  let otherStoreId: string;
  let otherIngestKey: string;
  const extra: { relay: RelayRoute; srv: Srv }[] = [];

  const startRelay = async (opts: Partial<RelayOptions> = {}) => {
    const r = createRelay({ db: t.db, tiktokBaseUrl: fake.url, autoDrain: false, cacheTtlMs: 0, sendTimeoutMs: 3000, log: () => {}, ...opts });
    const s = await serve(r);
    extra.push({ relay: r, srv: s });
    return { relay: r, url: s.url };
  };

  const post = (payload: unknown, headers: Record<string, string> = { 'access-token': TOKEN }, base = srv.url, path = RELAY_PATH) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  const flush = async () => {
    await relay.flush();
    for (const e of extra) await e.relay.flush();
  };
  const events = () => flush().then(() => selectRows<EventRow>(t.db, sql`select * from server_events order by id`).then((rows) => rows.map((r) => ({ ...r, id: Number(r.id), outbox_id: r.outbox_id === null ? null : Number(r.outbox_id) }))));
  const outbox = () =>
    flush().then(() =>
      selectRows<OutboxRaw>(t.db, sql`select id, store_id, status, attempts, last_error, body::text as body, next_attempt_at from relay_outbox order by id`).then((rows) =>
        rows.map((r) => ({ ...r, id: Number(r.id) })),
      ),
    );
  const drain = (at: number, opts: Parameters<typeof drainOutbox>[1] = {}) =>
    flush().then(() => drainOutbox(t.db, { tiktokBaseUrl: fake.url, now: new Date(at), random: () => 0.5, ...opts }));

  const expectEnvelope = async (res: Response, code: number) => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = (await res.json()) as { code: number; message: string; request_id: string };
    expect(json).toEqual({ code, message: expect.any(String), request_id: expect.stringMatching(/^\d{14}[0-9A-F]{20}$/) });
    return json;
  };

  beforeAll(async () => {
    t = await createTestDatabase(target);
    fake = await startFakeTikTok({
      pixels: [
        { advertiserId: '7000000001', pixelCode: PIXEL, pixelId: '7100000001', eventsToken: TOKEN, marketingToken: 'mkt-1' },
        { advertiserId: '7000000001', pixelCode: PIXEL_NO_TOKEN, pixelId: '7100000002', eventsToken: TOKEN_2, marketingToken: 'mkt-1' },
      ],
    });
    const a = await createStore(t.db, {
      name: 'Relay Shop',
      platform: 'custom',
      timezone: 'UTC',
      currency: 'USD',
      phone_country: 'US',
      pixel_code: PIXEL,
      event_id_template: '{order_id}-completepayment',
    });
    storeId = a.store.id;
    ingestKey = a.ingestKey;
    await setStoreSecret(t.db, storeId, 'tiktok_events_token', TOKEN);
    const b = await createStore(t.db, { name: 'No Token Shop', platform: 'custom', timezone: 'UTC', currency: 'USD', pixel_code: PIXEL_NO_TOKEN });
    otherStoreId = b.store.id;
    otherIngestKey = b.ingestKey;
    relay = createRelay({ db: t.db, tiktokBaseUrl: fake.url, autoDrain: false, cacheTtlMs: 0, sendTimeoutMs: 3000, log: () => {} });
    srv = await serve(relay);
  });
  afterAll(async () => {
    await srv?.close();
    await relay?.close();
    await fake?.close();
    await t?.cleanup();
  });
  beforeEach(async () => {
    fake.controls.reset();
    await t.db.execute(sql`delete from server_events`);
    await t.db.execute(sql`delete from relay_outbox`);
    await updateStoreSettings(t.db, storeId, { relay_mode: 'forward', outbox_horizon_hours: '24' });
    await updateStoreSettings(t.db, otherStoreId, { relay_mode: 'forward' });
  });
  afterEach(async () => {
    for (const e of extra.splice(0)) {
      await e.srv.close();
      await e.relay.close();
    }
  });

  // ─────────────── modes ───────────────

  it('forward: sends the body on, returns TikTok’s answer unchanged, records each event as sent (with or without the trailing slash)', async () => {
    const a = purchase('1001');
    const b = purchase('1002', { properties: { currency: 'USD', value: 12 } }); // order id from the event_id template
    const res = await post(body([a, b]));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Record<string, unknown>;
    expect(answer).toEqual({ code: 0, message: 'OK', request_id: expect.any(String), data: {} });

    const res2 = await post(body([purchase('1003')]), { 'access-token': TOKEN }, srv.url, RELAY_PATH.slice(0, -1));
    expect(res2.status).toBe(200);
    expect(((await res2.json()) as { code: number }).code).toBe(0);
    // A base URL configured with a trailing slash doubles the slash before open_api.
    const res3 = await post(body([purchase('1004')]), { 'access-token': TOKEN }, srv.url, RELAY_PATH.replace('/open_api', '//open_api'));
    expect(res3.status).toBe(200);
    expect(((await res3.json()) as { code: number }).code).toBe(0);

    expect(fake.controls.summary()).toMatchObject({ received: 4, counted: 4 });
    const rows = await events();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({
      source: 'relay',
      event_name: 'CompletePayment',
      event_id: '1001-completepayment',
      order_id: '1001',
      delivery: 'sent',
      tiktok_code: 0,
      has_email: true,
      has_phone: false,
      has_ip: true,
      has_ttclid: true,
      fixes: [],
    });
    expect(rows[1]).toMatchObject({ order_id: '1002', delivery: 'sent' });
    const ob = await outbox();
    expect(ob).toHaveLength(3);
    expect(ob.every((o) => o.status === 'delivered' && o.attempts === 1 && o.last_error === null)).toBe(true);
    expect(rows[0]!.outbox_id).toBe(ob[0]!.id);
  });

  it('forward: a whole-batch refusal is returned unchanged, and the drain splits it so the good event still goes', async () => {
    const good = purchase('2001');
    const bad = purchase('2002', { properties: { currency: 'USD', value: 'twelve' } }); // TikTok refuses the whole request
    const res = await post(body([good, bad]));
    const answer = (await res.json()) as { code: number; message: string };
    expect(answer.code).toBe(40002);
    expect(answer.message).toMatch(/value/);
    expect(fake.controls.summary().received).toBe(0);
    let rows = await events();
    expect(rows.map((r) => [r.delivery, r.tiktok_code])).toEqual([
      ['queued', 40002],
      ['queued', 40002],
    ]);
    let [ob] = await outbox();
    expect(ob).toMatchObject({ status: 'pending' });
    expect(ob!.last_error).toMatch(/^refused by TikTok as a batch: code 40002/);
    expect(new Date(ob!.next_attempt_at).getTime()).toBeLessThanOrEqual(Date.now());

    const r = await drain(Date.now());
    expect(r).toMatchObject({ eventsSent: 1, eventsRejected: 1 });
    expect(fake.controls.summary().received).toBe(1);
    rows = await events();
    expect(rows.map((e) => [e.order_id, e.delivery, e.tiktok_code])).toEqual([
      ['2001', 'sent', 0],
      ['2002', 'rejected', 40002],
    ]);
    [ob] = await outbox();
    expect(ob).toMatchObject({ status: 'delivered' });
  });

  it('forward: the refusal of a one-event request is final: nothing is resent', async () => {
    const res = await post(body([purchase('2101', { event_id: 2101 })]));
    expect(((await res.json()) as { code: number }).code).toBe(40002);
    const [ob] = await outbox();
    expect(ob).toMatchObject({ status: 'delivered' });
    expect(ob!.last_error).toMatch(/^refused by TikTok: code 40002/);
    expect((await events()).map((e) => [e.order_id, e.delivery])).toEqual([['2101', 'rejected']]);
    expect(await drain(Date.now() + HOUR)).toMatchObject({ eventsSent: 0 });
    expect(fake.controls.summary().received).toBe(0);
  });

  it('fix: hashes raw PII, stringifies event_id, converts ms time, records the fixes, and TikTok accepts', async () => {
    await updateStoreSettings(t.db, storeId, { relay_mode: 'fix' });
    const raw = purchase('3001', {
      event_id: 3001,
      event_time: eventTime * 1000,
      user: { email: RAW_EMAIL, phone: RAW_PHONE, ip: '203.0.113.9' },
    });
    const res = await post(body([raw, purchase('3002')]));
    expect(((await res.json()) as { code: number }).code).toBe(0);

    const [received] = fake.controls.events({ eventId: '3001' });
    expect(received).toMatchObject({ eventId: '3001', eventTime, status: 'counted' });
    expect(received!.matchKeys).toEqual(expect.arrayContaining(['email', 'phone', 'ip']));

    const rows = await events();
    expect(rows[0]).toMatchObject({ event_id: '3001', order_id: '3001', delivery: 'sent', has_email: true, has_phone: true, tiktok_code: 0 });
    expect(rows[0]!.lint_codes).toEqual(
      expect.arrayContaining(['unhashed_email', 'unhashed_phone', 'event_id_not_string', 'event_time_in_ms', 'email_not_trimmed', 'email_not_lowercased', 'phone_not_e164']),
    );
    expect(rows[0]!.fixes).toEqual(
      expect.arrayContaining([
        'user.email:hashed:unhashed_email',
        'user.phone:hashed:unhashed_phone',
        'event_id:stringified:event_id_not_string',
        'event_time:converted:event_time_in_ms',
      ]),
    );
    expect(rows[1]!.fixes).toEqual([]);
    const [ob] = await outbox();
    expect(ob!.body).not.toContain('Jane');
    expect(ob!.body).not.toContain('373');
  });

  it('observe: records without sending and answers observed', async () => {
    await updateStoreSettings(t.db, storeId, { relay_mode: 'observe' });
    const res = await post(body([purchase('4001'), purchase('4002', { user: { email: RAW_EMAIL } })], PIXEL, { test_event_code: 'TEST123' }));
    const answer = await res.json();
    expect(answer).toEqual({ code: 0, message: 'OK', request_id: expect.stringMatching(/^\d{14}[0-9A-F]{20}$/), data: { observed: true } });
    expect(fake.controls.requestCounts().eventTrack).toBe(0);
    const rows = await events();
    expect(rows.map((r) => r.delivery)).toEqual(['observed', 'observed']);
    expect(rows[0]!.test_event_code).toBe('TEST123');
    expect(rows[1]!.lint_codes).toContain('unhashed_email');
    expect(rows[1]!.has_email).toBe(false);
    expect(await outbox()).toHaveLength(0);
  });

  // ─────────────── auth ───────────────

  it('X-Signalwatch-Key authenticates too; delivery then uses the stored Events API token', async () => {
    const res = await post(body([purchase('5001')]), { 'x-signalwatch-key': ingestKey });
    expect(((await res.json()) as { code: number }).code).toBe(0);
    expect(fake.controls.summary()).toMatchObject({ counted: 1 });
    // A wrong Access-Token does not matter when the key is right.
    const res2 = await post(body([purchase('5002')]), { 'x-signalwatch-key': ingestKey, 'access-token': 'nope' });
    expect(((await res2.json()) as { code: number }).code).toBe(0);
    expect((await events()).map((r) => r.delivery)).toEqual(['sent', 'sent']);
  });

  it('refuses in TikTok’s envelope with HTTP 200 and records nothing', async () => {
    const cases: [string, () => Promise<Response>, number][] = [
      ['no credential', () => post(body([purchase()]), {}), 40104],
      ['unknown pixel', () => post(body([purchase()], 'CUNKNOWNPIXEL99')), 40001],
      ['wrong token', () => post(body([purchase()]), { 'access-token': 'wrong-token' }), 40105],
      ['another pixel’s token', () => post(body([purchase()]), { 'access-token': TOKEN_2 }), 40105],
      ['wrong ingest key', () => post(body([purchase()]), { 'x-signalwatch-key': 'sw_ingest_nottherightkeyatall000000000' }), 40105],
      ['another store’s ingest key', () => post(body([purchase()]), { 'x-signalwatch-key': otherIngestKey }), 40105],
      ['token for a store with none stored', () => post(body([purchase()], PIXEL_NO_TOKEN), { 'access-token': TOKEN_2 }), 40105],
      ['key auth, no token stored, forward mode', () => post(body([purchase()], PIXEL_NO_TOKEN), { 'x-signalwatch-key': otherIngestKey }), 40104],
      ['malformed JSON', () => post('{"event_source":"web",', { 'access-token': TOKEN }), 40000],
      ['not an object', () => post([body([purchase()])]), 40000],
      ['no event_source_id', () => post({ event_source: 'web', data: [purchase()] }), 40002],
      ['numeric event_source_id', () => post({ event_source: 'web', event_source_id: 123, data: [purchase()] }), 40002],
      ['data missing', () => post({ event_source: 'web', event_source_id: PIXEL }), 40002],
      ['data not a list', () => post({ event_source: 'web', event_source_id: PIXEL, data: { event: 'Purchase' } }), 40002],
      ['empty data', () => post(body([])), 40002],
      ['1,001 events', () => post(body(Array.from({ length: 1001 }, () => purchase()))), 40061],
      ['over 5 MB', () => post(JSON.stringify(body([purchase('9', { properties: { pad: 'x'.repeat(5 * 1024 * 1024 + 10) } })]))), 40000],
    ];
    for (const [name, send, code] of cases) {
      const json = await expectEnvelope(await send(), code).catch((err) => {
        throw new Error(`${name}: ${(err as Error).message}`);
      });
      expect(json.message.length, name).toBeGreaterThan(10);
    }
    expect(await events()).toHaveLength(0);
    expect(await outbox()).toHaveLength(0);
    expect(fake.controls.requestCounts().eventTrack).toBe(0);

    const get = await fetch(`${srv.url}${RELAY_PATH}`, { redirect: 'manual' });
    expect(get.status).toBe(405);
    expect(((await get.json()) as { code: number }).code).toBe(40000);
  });

  it('observe mode with the ingest key needs no stored token', async () => {
    await updateStoreSettings(t.db, otherStoreId, { relay_mode: 'observe' });
    const res = await post(body([purchase('6001')], PIXEL_NO_TOKEN), { 'x-signalwatch-key': otherIngestKey });
    expect(await res.json()).toMatchObject({ code: 0, data: { observed: true } });
    expect((await events()).map((r) => r.delivery)).toEqual(['observed']);
  });

  // ─────────────── the outbox ───────────────

  it('outage: answers queued, keeps no raw PII on disk, then delivers every accepted event exactly once', async () => {
    const t0 = Date.now();
    const { url: shortUrl } = await startRelay({ sendTimeoutMs: 300 });
    const queuedAnswer = { code: 0, message: 'OK', request_id: expect.stringMatching(/^\d{14}[0-9A-F]{20}$/), data: { queued: true } };

    // 1. TikTok down with an HTML 503; the body carries raw PII (forward mode sends it as is).
    fake.controls.setMode({ fault: 'outage_html' });
    const rawPii = purchase('7001', { user: { email: RAW_EMAIL, phone: RAW_PHONE, first_name: 'Janet', zip_code: '90210', ip: '203.0.113.7' } });
    expect(await (await post(body([rawPii, purchase('7002')]))).json()).toEqual(queuedAnswer);
    // 2. TikTok answers code 50000, caller uses the ingest key.
    fake.controls.setMode({ fault: 'outage_code' });
    expect(await (await post(body([purchase('7003')]), { 'x-signalwatch-key': ingestKey })).json()).toEqual(queuedAnswer);
    // 3. Throttled (40100).
    fake.controls.setMode({ fault: 'throttle' });
    expect(await (await post(body([purchase('7004'), purchase('7005'), purchase('7006')]))).json()).toEqual(queuedAnswer);
    // 4. TikTok received it, but its answer came after our timeout: queued too.
    fake.controls.setMode({ fault: 'none', latencyMs: 1500 });
    expect(await (await post(body([purchase('7007')]), { 'access-token': TOKEN }, shortUrl)).json()).toEqual(queuedAnswer);
    fake.controls.setMode({ latencyMs: 0 });
    expect(fake.controls.summary()).toMatchObject({ received: 1, counted: 1 });

    const pending = await outbox();
    expect(pending).toHaveLength(4);
    expect(pending.every((o) => o.status === 'pending' && o.attempts === 1 && o.last_error)).toBe(true);
    expect(pending[0]!.last_error).toMatch(/HTTP 503/);
    // Nothing raw on disk: not the email, not the phone, not the undocumented name/zip keys.
    const leaks = await selectRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from relay_outbox
          where body::text ilike ${'%jane.doe%'} or body::text like ${'%373-4253%'} or body::text like ${'%2133734253%'}
             or body::text like ${'%Janet%'} or body::text like ${'%90210%'}`,
    );
    expect(Number(leaks[0]!.n)).toBe(0);
    const stored = JSON.parse(pending[0]!.body) as { data: { user: Record<string, unknown> }[] };
    expect(stored.data[0]!.user).toEqual({
      email: sha256Hex('jane.doe@example.com'),
      phone: sha256Hex('+12133734253'),
      ip: '203.0.113.7',
    });
    expect((await events()).every((r) => r.delivery === 'queued' && r.outbox_id !== null)).toBe(true);

    // Still down: one attempt for the store, the rest wait with it.
    fake.controls.setMode({ fault: 'outage_html' });
    const before = fake.controls.requestCounts().eventTrack;
    const stillDown = await drain(t0 + HOUR);
    expect(stillDown).toMatchObject({ rows: 4, delivered: 0, retried: 4, dead: 0 });
    expect(fake.controls.requestCounts().eventTrack - before).toBe(1);

    // Back: everything goes, and TikTok counts each event once (the lost-answer repeat is deduplicated).
    fake.controls.setMode({ fault: 'none' });
    const back = await drain(t0 + 3 * HOUR);
    expect(back).toMatchObject({ rows: 4, delivered: 4, retried: 0, dead: 0, eventsSent: 7 });
    expect(fake.controls.summary()).toEqual({ received: 8, counted: 7, merged: 0, dropped: 1, test: 0 });
    for (const id of ['7001', '7002', '7003', '7004', '7005', '7006', '7007'])
      expect(fake.controls.events({ eventId: `${id}-completepayment`, status: 'counted' }), id).toHaveLength(1);
    expect(fake.controls.events({ eventId: '7001-completepayment' })[0]!.matchKeys).toEqual(expect.arrayContaining(['email', 'phone']));

    const rows = await events();
    expect(rows).toHaveLength(7);
    expect(rows.every((r) => r.delivery === 'sent' && r.tiktok_code === 0)).toBe(true);
    expect((await outbox()).every((o) => o.status === 'delivered')).toBe(true);

    // Nothing left: a further drain sends nothing.
    expect(await drain(t0 + 4 * HOUR)).toMatchObject({ rows: 0 });
    expect(fake.controls.summary().received).toBe(8);
  });

  it('drain: a permanent refusal is split so the good events still arrive', async () => {
    fake.controls.setMode({ fault: 'outage_code' });
    const bad = purchase('8003', { event_time: 'yesterday' });
    const data = [purchase('8001'), purchase('8002'), bad, purchase('8004'), purchase('8005')];
    expect(await (await post(body(data))).json()).toMatchObject({ data: { queued: true } });
    fake.controls.setMode({ fault: 'none' });

    const r = await drain(Date.now() + HOUR);
    expect(r).toMatchObject({ rows: 1, delivered: 1, eventsSent: 4, eventsRejected: 1 });
    expect(fake.controls.summary()).toMatchObject({ counted: 4 });
    expect(fake.controls.events({ eventId: '8003-completepayment' })).toHaveLength(0);
    const rows = await events();
    expect(rows.map((x) => [x.event_id, x.delivery, x.tiktok_code])).toEqual([
      ['8001-completepayment', 'sent', 0],
      ['8002-completepayment', 'sent', 0],
      ['8003-completepayment', 'rejected', 40002],
      ['8004-completepayment', 'sent', 0],
      ['8005-completepayment', 'sent', 0],
    ]);
    expect(rows[2]!.tiktok_message).toMatch(/event_time/);
    const [ob] = await outbox();
    expect(ob).toMatchObject({ status: 'delivered' });
    expect(ob!.last_error).toMatch(/TikTok refused 1 event/);
  });

  it('drain: past the store’s horizon a row goes dead, shows in `outbox list`, and `outbox retry` + `outbox drain` deliver it', async () => {
    await updateStoreSettings(t.db, storeId, { outbox_horizon_hours: '1' });
    fake.controls.setMode({ fault: 'outage_html' });
    const t0 = Date.now();
    await post(body([purchase('9001'), purchase('9002')]));
    expect(await drain(t0 + 30 * MIN)).toMatchObject({ retried: 1, dead: 0 });
    expect(await drain(t0 + 2 * HOUR)).toMatchObject({ dead: 1, eventsDead: 2 });
    const [ob] = await outbox();
    expect(ob).toMatchObject({ status: 'dead' });
    expect((await events()).map((r) => r.delivery)).toEqual(['dead', 'dead']);

    const cli = async (...argv: string[]) => {
      const io = bufferIo();
      const code = await runCli(argv, io, async () => t);
      return { code, out: io.stdout, err: io.stderr };
    };
    const listed = await cli('outbox', 'list', '--status', 'dead', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({ id: ob!.id, store: storeId, status: 'dead', events: 2, attempts: 3, last_error: expect.stringMatching(/HTTP 503/) }),
    ]);
    const table = await cli('outbox', 'list', '--store', storeId);
    expect(table.out).toMatch(/dead/);
    expect((await cli('outbox', 'list', '--status', 'lost')).code).toBe(2);

    expect((await cli('outbox', 'retry')).code).toBe(2);
    const retried = await cli('outbox', 'retry', '--all-dead', '--store', storeId, '--json');
    expect(JSON.parse(retried.out)).toEqual({ requeued: [ob!.id] });
    expect((await events()).map((r) => r.delivery)).toEqual(['queued', 'queued']);

    fake.controls.setMode({ fault: 'none' });
    process.env.TIKTOK_API_BASE_URL = fake.url;
    resetEnvCache();
    try {
      const drained = await cli('outbox', 'drain', '--store', storeId, '--json');
      expect(drained.code).toBe(0);
      expect(JSON.parse(drained.out)).toMatchObject({ rows: 1, delivered: 1, eventsSent: 2 });
    } finally {
      delete process.env.TIKTOK_API_BASE_URL;
      resetEnvCache();
    }
    expect((await events()).map((r) => r.delivery)).toEqual(['sent', 'sent']);
    expect(fake.controls.summary()).toMatchObject({ counted: 2 });
    expect((await cli('outbox', 'retry', String(ob!.id))).code).toBe(1); // already delivered
  });

  it('restart safety: a row written ahead by a process that crashed before sending is delivered by a fresh drain, once', async () => {
    // A relay whose TikTok call never returns: the process "dies" between write-ahead and delivery.
    const hang: typeof fetch = () => new Promise<Response>(() => {});
    const { url, relay: doomed } = await startRelay({ fetch: hang, sendTimeoutMs: 60_000 });
    const ac = new AbortController();
    const inflight = fetch(`${url}${RELAY_PATH}`, {
      method: 'POST',
      headers: { 'access-token': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(body([purchase('9101'), purchase('9102')])),
      signal: ac.signal,
    }).catch(() => 'aborted');
    for (let i = 0; i < 100 && (await outbox()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    expect(await inflight).toBe('aborted');
    await doomed.close();
    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    // Died before TikTok answered: the events are recorded by whoever delivers the row.
    expect(await events()).toHaveLength(0);

    // While the live attempt's lease runs, no drain touches the row (no double send).
    expect(await drain(Date.now())).toMatchObject({ rows: 0 });
    // A fresh process: two drains at once still send it once.
    const later = Date.now() + 10 * MIN;
    const [a, b] = await Promise.all([drain(later), drain(later)]);
    expect(a.delivered + b.delivered).toBe(1);
    expect(fake.controls.summary()).toMatchObject({ received: 2, counted: 2 });
    expect((await events()).map((r) => r.delivery)).toEqual(['sent', 'sent']);
  });

  it('restart safety: a new relay drains leftover pending rows on its own', async () => {
    const store = (await getStore(t.db, storeId))!;
    const now = new Date();
    await writeAhead(t.db, { store, storedBody: body([purchase('9201')]), now, leaseUntil: now });
    await startRelay({ autoDrain: true });
    for (let i = 0; i < 150 && (await outbox())[0]!.status !== 'delivered'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await outbox())[0]!.status).toBe('delivered');
    expect((await events()).map((r) => r.delivery)).toEqual(['sent']);
    expect(fake.controls.summary()).toMatchObject({ counted: 1 });
  });

  it('a late record of the live attempt never duplicates what a drain already recorded', async () => {
    const { url } = await startRelay({ settleDelayMs: 60_000 });
    fake.controls.setMode({ fault: 'outage_code' });
    expect(await (await post(body([purchase('9501'), purchase('9502')]), { 'access-token': TOKEN }, url)).json()).toMatchObject({ data: { queued: true } });
    fake.controls.setMode({ fault: 'none' });
    // The relay has not recorded TikTok's answer yet when a drain takes the row over.
    const r = await drainOutbox(t.db, { tiktokBaseUrl: fake.url, now: new Date(Date.now() + HOUR) });
    expect(r).toMatchObject({ rows: 1, delivered: 1, eventsSent: 2 });
    const rows = await events(); // flushes the relay's late record
    expect(rows.map((x) => [x.event_id, x.delivery])).toEqual([
      ['9501-completepayment', 'sent'],
      ['9502-completepayment', 'sent'],
    ]);
    expect((await outbox())[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(fake.controls.summary()).toMatchObject({ counted: 2 });
  });

  it('when the outbox cannot be written: TikTok’s final answer still goes back, nothing is answered as queued', async () => {
    const broken = new Proxy(t.db, {
      get: (target, prop) =>
        prop === '$client' ? { waitReady: true, query: async () => Promise.reject(new Error('disk full')) } : Reflect.get(target, prop),
    });
    const { url, relay: r } = await startRelay({ db: broken });
    const ok = await post(body([purchase('9601')]), { 'access-token': TOKEN }, url);
    expect(await ok.json()).toMatchObject({ code: 0, data: {} });
    expect(fake.controls.summary()).toMatchObject({ counted: 1 });

    fake.controls.setMode({ fault: 'outage_html' });
    const down = await post(body([purchase('9602')]), { 'access-token': TOKEN }, url);
    expect(down.status).toBe(500);
    expect(await down.json()).toMatchObject({ code: 50000 });
    expect(r.stats().errors).toBeGreaterThanOrEqual(2);
    expect(await outbox()).toHaveLength(0);
  });

  it('the outbox-drain job delivers due rows and purges settled rows past the store’s retention', async () => {
    fake.controls.setMode({ fault: 'outage_code' });
    await post(body([purchase('9701')]));
    await post(body([purchase('9702')]));
    fake.controls.setMode({ fault: 'none' });
    await flush();
    // One old delivered row (past the 30-day retention) and the two queued ones, due now.
    await t.db.execute(sql`update relay_outbox set next_attempt_at = now() - interval '1 second'`);
    const [old] = await outbox();
    await t.db.execute(sql`update relay_outbox set status = 'delivered', created_at = now() - interval '31 days' where id = ${old!.id}`);
    const logs: string[] = [];
    const counts = await outboxDrain.run({ db: t.db, now: new Date(), log: (m) => logs.push(m), tiktokBaseUrl: fake.url });
    expect(counts).toMatchObject({ rows: 1, delivered: 1, eventsSent: 1, purged: 1 });
    expect(await outbox()).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(outboxDrain).toMatchObject({ name: 'outbox-drain', cron: '* * * * *', catchUp: false });
  });

  it('drain without a stored token keeps the row pending with a clear error', async () => {
    fake.controls.setMode({ fault: 'outage_html' });
    await post(body([purchase('9301')], PIXEL_NO_TOKEN), { 'access-token': TOKEN_2 }).then((r) => r.json());
    // That store has no token: the Access-Token cannot be verified, nothing queued.
    expect(await outbox()).toHaveLength(0);
    const store = (await getStore(t.db, otherStoreId))!;
    const now = new Date();
    await writeAhead(t.db, { store, storedBody: body([purchase('9302')], PIXEL_NO_TOKEN), now, leaseUntil: now });
    fake.controls.setMode({ fault: 'none' });
    expect(await drain(Date.now() + MIN)).toMatchObject({ rows: 1, retried: 1 });
    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.last_error).toMatch(/no Events API token stored for store no-token-shop/);
    expect(fake.controls.requestCounts().eventTrack).toBe(0);
  });

  // ─────────────── import ───────────────

  it('import server-events: records good lines as observed, reports bad lines by number, and is idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-import-'));
    const file = join(dir, 'events.ndjson');
    const lines = [
      JSON.stringify(purchase('9401')),
      '',
      '{"event":"Purchase",',
      JSON.stringify(purchase('9402', { user: { email: RAW_EMAIL } })),
      '[1,2]',
      JSON.stringify({ event_id: 'x' }),
      JSON.stringify(body([purchase('9403'), purchase('9404')], PIXEL, { test_event_code: 'T1' })),
      JSON.stringify({ event: 'ViewContent', event_time: eventTime }), // no event_id: imported each time
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    const run = async () => {
      const io = bufferIo();
      const code = await runCli(['import', 'server-events', '--store', storeId, file, '--json'], io, async () => t);
      return { code, result: JSON.parse(io.stdout) as Record<string, unknown> };
    };
    const first = await run();
    expect(first.code).toBe(1);
    expect(first.result).toEqual({
      lines: 8,
      events: 5,
      recorded: 5,
      duplicates: 0,
      rejected: [
        { line: 3, reason: 'not valid JSON' },
        { line: 5, reason: expect.stringMatching(/JSON object/) },
        { line: 6, reason: expect.stringMatching(/"event"/) },
      ],
    });
    const rows = await events();
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.source === 'import' && r.delivery === 'observed')).toBe(true);
    expect(rows[1]).toMatchObject({ order_id: '9402', has_email: false });
    expect(rows[1]!.lint_codes).toContain('unhashed_email');
    expect(rows.filter((r) => r.test_event_code === 'T1')).toHaveLength(2);

    const second = await run();
    expect(second.result).toMatchObject({ recorded: 1, duplicates: 4 });
    expect(await events()).toHaveLength(6);

    const missing = bufferIo();
    expect(await runCli(['import', 'server-events', '--store', storeId, join(dir, 'nope.ndjson')], missing, async () => t)).toBe(1);
    expect(missing.stderr).toMatch(/cannot read/);
  });
});
