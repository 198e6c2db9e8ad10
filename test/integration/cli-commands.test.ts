/** The `signalwatch` commands run in-process (runCli + bufferIo) against a real database. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBrowserEvents } from '@/db/queries/browser-events';
import { insertServerEvents } from '@/db/queries/server-events';
import { upsertTikTokDailyCount } from '@/db/queries/tiktok-counts';
import { commands } from '@/cli/registry';
import { bufferIo } from '@/cli/io';
import { runCli } from '@/cli/run';
import { resetEnvCache } from '@/lib/config/env';
import { startFakeTikTok, type FakeTikTok } from '@/sandbox/tiktok/server';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const PIXEL = {
  advertiserId: '7000000000000000001',
  pixelCode: 'CCLIPIXEL0001',
  pixelId: '6987488643342467099',
  eventsToken: 'cli-events-token',
  marketingToken: 'cli-marketing-token',
};
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
/** Migrating a fresh PGlite takes most of a minute when the machine is busy. */
const SETUP_TIMEOUT_MS = 180_000;

describe.each(testTargets())('signalwatch commands on %s', (target) => {
  let t: TestDatabase;
  let fake: FakeTikTok;
  let dir: string;
  const previousBaseUrl = process.env.TIKTOK_API_BASE_URL;

  async function cli(argv: string[], stdin = '') {
    const io = bufferIo(stdin);
    const code = await runCli(argv, io, () => Promise.resolve(t));
    return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) as any };
  }

  beforeAll(async () => {
    t = await createTestDatabase(target);
    fake = await startFakeTikTok({ port: 0, pixels: [PIXEL] });
    process.env.TIKTOK_API_BASE_URL = fake.url;
    resetEnvCache();
    dir = mkdtempSync(join(tmpdir(), 'sw-cli-'));
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    if (previousBaseUrl === undefined) delete process.env.TIKTOK_API_BASE_URL;
    else process.env.TIKTOK_API_BASE_URL = previousBaseUrl;
    resetEnvCache();
    rmSync(dir, { recursive: true, force: true });
    await fake?.close();
    await t?.cleanup();
  });

  describe('store', () => {
    it('store add --json prints the settings and the ingest key once', async () => {
      const r = await cli([
        'store', 'add', '--name', 'Acme Shop', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'usd',
        '--pixel-code', PIXEL.pixelCode, '--advertiser-id', PIXEL.advertiserId, '--json',
      ]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const out = r.json();
      expect(Object.keys(out)).toEqual(
        expect.arrayContaining([
          'id', 'name', 'platform', 'shop_domain', 'base_url', 'timezone', 'currency', 'phone_country', 'pixel_code',
          'advertiser_id', 'event_id_template', 'relay_mode', 'retention_days', 'public_key', 'created_at', 'ingest_key',
        ]),
      );
      expect(out).toMatchObject({
        id: 'acme-shop',
        name: 'Acme Shop',
        platform: 'custom',
        currency: 'USD',
        pixel_code: PIXEL.pixelCode,
        advertiser_id: PIXEL.advertiserId,
        event_id_template: '{order_id}',
        relay_mode: 'forward',
      });
      expect(out.ingest_key).toMatch(/^sw_ingest_/);
      expect(out.public_key).toMatch(/^swpk_/);
      expect(JSON.stringify(out)).not.toMatch(/hash|secret|ciphertext/i);
    });

    it('store add without a required option is a usage error (exit 2)', async () => {
      const r = await cli(['store', 'add', '--name', 'No Platform', '--timezone', 'UTC', '--currency', 'USD']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--platform is required/);
    });

    it('store list --json lists stores without keys', async () => {
      const r = await cli(['store', 'list', '--json']);
      expect(r.code).toBe(0);
      const list = r.json();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ id: 'acme-shop', name: 'Acme Shop', pixel_code: PIXEL.pixelCode });
      expect(list[0]).not.toHaveProperty('ingest_key');
      const table = await cli(['store', 'list']);
      expect(table.stdout).toMatch(/^id\s+name\s+platform/);
      expect(table.stdout).toContain('acme-shop');
    });

    it('store show prints settings and the names of stored secrets, never their values', async () => {
      const before = await cli(['store', 'show', 'acme-shop', '--json']);
      expect(before.code).toBe(0);
      expect(before.json()).toMatchObject({ id: 'acme-shop', secrets: [] });

      const secret = await cli(['store', 'secret', 'acme-shop', 'tiktok_marketing_token'], `${PIXEL.marketingToken}\n`);
      expect(secret).toMatchObject({ code: 0, stdout: 'Stored tiktok_marketing_token for acme-shop.\n' });

      const after = await cli(['store', 'show', 'acme-shop', '--json']);
      expect(after.json().secrets).toEqual(['tiktok_marketing_token']);
      expect(after.stdout).not.toContain(PIXEL.marketingToken);
      const text = await cli(['store', 'show', 'acme-shop']);
      expect(text.stdout).toMatch(/^secrets\s+tiktok_marketing_token$/m);

      const missing = await cli(['store', 'show', 'nope']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no store with id "nope"/);
    });

    it('store set with a bad key or value exits 1 and changes nothing', async () => {
      const before = (await cli(['store', 'show', 'acme-shop', '--json'])).json();
      const badKey = await cli(['store', 'set', 'acme-shop', 'bogus=1']);
      expect(badKey.code).toBe(1);
      expect(badKey.stderr).toMatch(/unknown setting bogus/);
      // One bad value among good ones: nothing is written.
      const badValue = await cli(['store', 'set', 'acme-shop', 'name=Renamed', 'currency=NOTACURRENCY']);
      expect(badValue.code).toBe(1);
      expect(badValue.stderr).toMatch(/currency/);
      expect((await cli(['store', 'show', 'acme-shop', '--json'])).json()).toEqual(before);

      const good = await cli(['store', 'set', 'acme-shop', 'phone-country=us', '--json']);
      expect(good.code).toBe(0);
      expect(good.json()).toMatchObject({ id: 'acme-shop', phone_country: 'US', name: 'Acme Shop' });
    });

    it('store secret with an unknown name exits 1', async () => {
      const r = await cli(['store', 'secret', 'acme-shop', 'tiktok_password'], 'x');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/unknown secret "tiktok_password"; one of: tiktok_events_token/);
      expect((await cli(['store', 'show', 'acme-shop', '--json'])).json().secrets).toEqual(['tiktok_marketing_token']);
    });
  });

  describe('hash', () => {
    it.each([
      ['phone', '(+1)2133734253', '+12133734253', '9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd'],
      ['email', ' ALICE_abc@gmail.com ', 'alice_abc@gmail.com', '848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f'],
      ['external_id', 'user_123', 'user_123', '80fba0ae1c48e3978e43e4efc365e14e12ea0c830ba8ba5b9a2dafc7e3f2ab8b'],
    ])('hash %s %j → TikTok’s worked example', async (field, raw, normalized, hash) => {
      const r = await cli(['hash', field, raw]);
      expect(r.code).toBe(0);
      expect(r.json()).toMatchObject({ field, normalized, sha256: hash });
    });

    it('a national phone number needs a country: exit 1 with the error shape, fine with --country', async () => {
      const r = await cli(['hash', 'phone', '2133734253']);
      expect(r.code).toBe(1);
      expect(r.json()).toEqual({ error: { code: 'phone_no_country_code', message: expect.any(String) } });
      const us = await cli(['hash', 'phone', '(213) 373-4253', '--country', 'US']);
      expect(us.code).toBe(0);
      expect(us.json()).toMatchObject({ normalized: '+12133734253', sha256: sha256('+12133734253') });
    });

    it('an already hashed value passes through', async () => {
      const r = await cli(['hash', 'email', sha256('x@example.com')]);
      expect(r.json()).toMatchObject({ normalized: null, sha256: sha256('x@example.com') });
    });
  });

  describe('lint', () => {
    const body = (user: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      event_source: 'web',
      event_source_id: PIXEL.pixelCode,
      data: [
        {
          event: 'Purchase',
          event_time: 1_780_000_000,
          event_id: 'order-1',
          user,
          properties: { currency: 'USD', value: 25.5, contents: [{ content_id: 'SKU-1', quantity: 1 }] },
          page: { url: 'https://shop.example/thank_you' },
          ...extra,
        },
      ],
    });

    it('exit 0 for a clean body, 1 with errors, 2 for unreadable input', async () => {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify(body({ email: sha256('jane@example.com'), ip: '203.0.113.7', user_agent: 'Mozilla/5.0' })));
      const ok = await cli(['lint', good]);
      expect(ok.code).toBe(0);
      expect(ok.json()).toMatchObject({ ok: true, events: 1 });

      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify(body({ email: 'Jane@Example.com', phone: '+1 213 373 4253' }, { event_id: 12345 })));
      const errors = await cli(['lint', bad]);
      expect(errors.code).toBe(1);
      const codes = (errors.json().issues as { code: string }[]).map((i) => i.code);
      expect(codes).toEqual(expect.arrayContaining(['unhashed_email', 'unhashed_phone', 'event_id_not_string']));

      const notJson = join(dir, 'broken.json');
      writeFileSync(notJson, '{"event_source": "web",');
      const broken = await cli(['lint', notJson]);
      expect(broken.code).toBe(2);
      expect(broken.json()).toMatchObject({ error: { code: 'invalid_json' } });

      const missing = await cli(['lint', join(dir, 'missing.json')]);
      expect(missing.code).toBe(2);
      expect(missing.json()).toMatchObject({ error: { code: 'unreadable_input' } });
    });

    it('reads stdin with -', async () => {
      const r = await cli(['lint', '-'], JSON.stringify(body({ email: sha256('a@b.co') })));
      expect(r.code).toBe(0);
    });
  });

  describe('TikTok counts and events', () => {
    it('sync tiktok reads the days into counts; --json is the summary', async () => {
      // Two server purchases on 2026-06-01 at the fake TikTok.
      const response = await fetch(`${fake.url}/open_api/v1.3/event/track/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Access-Token': PIXEL.eventsToken },
        body: JSON.stringify({
          event_source: 'web',
          event_source_id: PIXEL.pixelCode,
          data: ['order-1', 'order-2'].map((id, i) => ({
            event: 'CompletePayment',
            event_time: Date.parse('2026-06-01T10:00:00Z') / 1000 + i,
            event_id: id,
            user: { email: sha256(`${id}@example.com`), ttclid: i === 0 ? 'CLICK' : undefined },
            properties: { value: 10, currency: 'USD' },
          })),
        }),
      });
      expect(await response.json()).toMatchObject({ code: 0 });

      const r = await cli(['sync', 'tiktok', '--store', 'acme-shop', '--from', '2026-06-01', '--to', '2026-06-02', '--json']);
      expect(r.code).toBe(0);
      expect(r.json()).toEqual({ store: 'acme-shop', from: '2026-06-01', to: '2026-06-02', days: 2, fetched: 2, failed_days: [] });
      expect(r.stderr).toMatch(/tiktok acme-shop 2\/2 day\(s\) in/);

      const text = await cli(['sync', 'tiktok', '--store', 'acme-shop', '--from', '2026-06-01', '--to', '2026-06-01']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^acme-shop 2026-06-01\.\.2026-06-01: fetched 1 of 1 day\(s\)$/m);
    });

    it('sync tiktok exits 1 when days fail, and names the fix when the store is not set up', async () => {
      // A revoked marketing token: every day is refused (the cached pixel id needs no lookup).
      await cli(['store', 'secret', 'acme-shop', 'tiktok_marketing_token'], 'revoked-token');
      const r = await cli(['sync', 'tiktok', '--store', 'acme-shop', '--from', '2026-06-01', '--to', '2026-06-02', '--json']);
      expect(r.code).toBe(1);
      expect(r.json().failed_days).toEqual([
        { day: '2026-06-01', reason: expect.stringMatching(/Access token is incorrect/) },
        { day: '2026-06-02', reason: expect.stringMatching(/Access token is incorrect/) },
      ]);
      await cli(['store', 'secret', 'acme-shop', 'tiktok_marketing_token'], PIXEL.marketingToken);

      await cli(['store', 'add', '--name', 'Plain', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'EUR']);
      const unset = await cli(['sync', 'tiktok', '--store', 'plain', '--from', '2026-06-01', '--to', '2026-06-01']);
      expect(unset.code).toBe(1);
      expect(unset.stderr).toMatch(/signalwatch store set plain pixel_code=CODE/);
      expect(unset.stderr).toMatch(/signalwatch store secret plain tiktok_marketing_token/);

      const noWindow = await cli(['sync', 'tiktok', '--store', 'acme-shop']);
      expect(noWindow.code).toBe(2);
    });

    it('counts --json prints one row per read day', async () => {
      const fetchedAt = new Date('2026-06-03T08:00:00Z');
      await upsertTikTokDailyCount(t.db, {
        storeId: 'acme-shop', day: '2026-06-02', total: 7, browser: 4, server: 3, attributed: 2, eventType: 'SHOPPING', fetchedAt,
      });
      const r = await cli(['counts', '--store', 'acme-shop', '--from', '2026-06-01', '--to', '2026-06-03', '--json']);
      expect(r.code).toBe(0);
      const rows = r.json();
      expect(rows).toEqual([
        { day: '2026-06-01', total: 2, browser: 0, server: 2, attributed: 1, fetched_at: expect.any(String) },
        { day: '2026-06-02', total: 7, browser: 4, server: 3, attributed: 2, fetched_at: '2026-06-03T08:00:00.000Z' },
      ]);
      const table = await cli(['counts', '--store', 'acme-shop', '--from', '2026-06-01', '--to', '2026-06-03']);
      expect(table.stdout).toMatch(/^day\s+total\s+browser\s+server\s+attributed\s+fetched_at$/m);
      expect(table.stdout).toMatch(/2 of 3 day\(s\) read: 9 purchases \(4 browser, 5 server, 3 attributed\)/);
      expect(table.stdout).toContain('signalwatch sync tiktok --store acme-shop --from 2026-06-01 --to 2026-06-03');
      const unknown = await cli(['counts', '--store', 'nope', '--from', '2026-06-01', '--to', '2026-06-03']);
      expect(unknown.code).toBe(1);
    });

    it('events --leg server --json lists what the relay recorded', async () => {
      await insertServerEvents(t.db, [
        {
          storeId: 'acme-shop',
          receivedAt: new Date('2026-06-01T10:00:05Z'),
          source: 'relay',
          eventTime: new Date('2026-06-01T10:00:00Z'),
          eventName: 'CompletePayment',
          eventId: 'order-1',
          orderId: 'order-1',
          hasEmail: true,
          hasTtclid: true,
          hasIp: true,
          lintCodes: ['unhashed_phone'],
          fixes: ['phone_hashed'],
          delivery: 'sent',
          tiktokCode: 0,
        },
        {
          storeId: 'acme-shop',
          receivedAt: new Date('2026-06-02T09:00:00Z'),
          source: 'relay',
          eventTime: null,
          eventName: 'Purchase',
          eventId: null,
          orderId: 'order-2',
          delivery: 'rejected',
          tiktokCode: 40002,
        },
      ]);
      const r = await cli(['events', '--store', 'acme-shop', '--leg', 'server', '--json']);
      expect(r.code).toBe(0);
      expect(r.json()).toEqual([
        {
          event: 'CompletePayment',
          event_id: 'order-1',
          order_id: 'order-1',
          time: '2026-06-01T10:00:00.000Z',
          received_at: '2026-06-01T10:00:05.000Z',
          keys: ['email', 'ttclid', 'ip'],
          lint_codes: ['unhashed_phone'],
          fixes: ['phone_hashed'],
          tiktok_code: 0,
          delivery: 'sent',
        },
        {
          event: 'Purchase',
          event_id: null,
          order_id: 'order-2',
          time: null,
          received_at: '2026-06-02T09:00:00.000Z',
          keys: [],
          lint_codes: [],
          fixes: [],
          tiktok_code: 40002,
          delivery: 'rejected',
        },
      ]);
      const oneDay = await cli(['events', '--store', 'acme-shop', '--leg', 'server', '--from', '2026-06-02', '--to', '2026-06-02', '--json']);
      expect(oneDay.json().map((e: { order_id: string }) => e.order_id)).toEqual(['order-2']);
      const limited = await cli(['events', '--store', 'acme-shop', '--leg', 'server', '--limit', '1']);
      expect(limited.stdout).toMatch(/^time\s+event\s+event_id\s+order_id\s+keys/m);
      // The newest N are shown.
      expect(limited.stdout).toContain('order-2');
      expect(limited.stdout).not.toContain('order-1');
      expect(limited.stdout).toMatch(/1 server event\(s\) \(the --limit/);
    });

    it('events --leg browser --json lists the beacons in time order', async () => {
      await insertBrowserEvents(t.db, [
        {
          storeId: 'acme-shop',
          receivedAt: new Date('2026-06-01T10:00:01Z'),
          beaconId: 'b-1',
          eventName: 'CompletePayment',
          eventId: 'order-1',
          orderId: 'order-1',
          pixelLoaded: true,
          pixelTracked: true,
          probeOk: true,
          pageLoadMs: 1800,
          leftBeforeSend: false,
          consent: 'granted',
          hasTtclid: true,
          hasTtp: true,
          browser: 'Chrome',
          browserMajor: 131,
          os: 'Windows',
          osMajor: 10,
        },
        {
          storeId: 'acme-shop',
          receivedAt: new Date('2026-06-02T11:00:00Z'),
          beaconId: 'b-2',
          orderId: 'order-3',
          pixelLoaded: false,
          probeOk: false,
          consent: 'unknown',
          browser: 'Safari',
          browserMajor: 17,
          os: 'iOS',
          osMajor: 17,
        },
      ]);
      const r = await cli(['events', '--store', 'acme-shop', '--leg', 'browser', '--json']);
      expect(r.code).toBe(0);
      const rows = r.json();
      expect(rows).toHaveLength(2);
      expect(rows[0]).toEqual({
        event: 'CompletePayment',
        event_id: 'order-1',
        order_id: 'order-1',
        time: '2026-06-01T10:00:01.000Z',
        pixel_loaded: true,
        pixel_tracked: true,
        probe_ok: true,
        page_load_ms: 1800,
        left_before_send: false,
        consent: 'granted',
        has_ttclid: true,
        has_ttp: true,
        browser: 'Chrome',
        browser_major: 131,
        os: 'Windows',
        os_major: 10,
      });
      expect(rows[1]).toMatchObject({ order_id: 'order-3', pixel_loaded: false, probe_ok: false, event: null, consent: 'unknown' });
      const table = await cli(['events', '--store', 'acme-shop', '--leg', 'browser']);
      expect(table.stdout).toContain('Safari 17');
    });

    it('events refuses a bad --leg or --limit (exit 2)', async () => {
      expect((await cli(['events', '--store', 'acme-shop', '--leg', 'pixel'])).code).toBe(2);
      expect((await cli(['events', '--store', 'acme-shop'])).code).toBe(2);
      const limit = await cli(['events', '--store', 'acme-shop', '--leg', 'server', '--limit', '0']);
      expect(limit.code).toBe(2);
      expect(limit.stderr).toMatch(/--limit must be a whole number/);
    });
  });

  describe('usage', () => {
    it('an unknown command exits 2 and lists the commands', async () => {
      const r = await cli(['frobnicate']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown command "frobnicate"/);
      expect(r.stderr).toContain('Usage: signalwatch <command>');
      const option = await cli(['counts', '--bogus']);
      expect(option.code).toBe(2);
    });

    it('--help on every registered command exits 0 and prints Usage:', async () => {
      expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['sync tiktok', 'counts', 'events', 'sandbox tiktok', 'sandbox shopify']));
      for (const command of commands) {
        const r = await cli([...command.name.split(' '), '--help']);
        expect({ command: command.name, code: r.code }).toEqual({ command: command.name, code: 0 });
        expect(r.stdout).toContain(`Usage: signalwatch ${command.name}`);
      }
      const top = await cli(['--help']);
      expect(top.code).toBe(0);
      expect(top.stdout).toContain('Usage:');
    });
  });
});
