/**
 * `signalwatch orders`, `releases` and `import orders`: what the README documents, run in-process
 * (runCli + bufferIo) against a real database, and once through the real bin in a child process.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '@/cli/io';
import { runCli } from '@/cli/run';
import { receiveShopifyWebhook } from '@/lib/commerce/webhook-intake';
import { startSignalwatch } from '../helpers/bin';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const SETUP_TIMEOUT_MS = 180_000;

/** The fields README/cli document for `orders --json`, in no particular order. */
const ORDER_FIELDS = [
  'id', 'name', 'processed_at', 'value', 'currency', 'test', 'cancelled_at', 'channel',
  'in_scope', 'scope_reason', 'attribution', 'attribution_visit', 'browser', 'os',
].sort();

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

const HEADER = 'id,name,processed_at,value,currency,test,cancelled_at,channel,email,user_agent,landing_url,utm_source';
/**
 * Seven data rows; rows 2, 4 and 6 (file lines 3, 5 and 7) are bad. The last good row is outside
 * the window the listing tests read (2026-11-03 … 2026-11-05, both inclusive).
 */
const MIXED_CSV =
  [
    HEADER,
    `CSV-1,#1001,2026-11-03T10:00:00Z,49.90,USD,false,,web,Jane.Doe@Example.com,"${IPHONE_SAFARI}",https://shop.example/p/1?ttclid=E.C.P.clk1,`,
    'CSV-2,#1002,2026-11-03T11:00:00Z,abc,USD,,,,,,,',
    'CSV-3,#1003,2026-11-04T09:30:00Z,12,eur,true,,,,,,',
    'CSV-4,#1004,yesterday,5,USD,,,,,,,',
    `CSV-5,#1005,2026-11-05T23:59:59Z,120.5,USD,no,2026-11-06T08:00:00Z,pos,,"${WINDOWS_CHROME}",,tiktok`,
    'CSV-6,#1006,2026-11-05T12:00:00Z,7,DOLLARS,,,,,,,',
    'CSV-7,#1007,2026-11-06T00:00:00Z,3,USD,,,,,,,',
  ].join('\n') + '\n';

const WEBHOOK_SECRET = 'shpss_cli_orders_test';
const SHOP_DOMAIN = 'cli-orders.myshopify.com';

function themePublish(themeId: number, name: string, triggeredAt: string, webhookId: string) {
  const raw = Buffer.from(JSON.stringify({ id: themeId, name, role: 'main' }));
  const headers = new Headers({
    'X-Shopify-Topic': 'themes/publish',
    'X-Shopify-Hmac-Sha256': createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('base64'),
    'X-Shopify-Shop-Domain': SHOP_DOMAIN,
    'X-Shopify-Webhook-Id': webhookId,
    'X-Shopify-Triggered-At': triggeredAt,
  });
  return { headers, raw };
}

describe.each(testTargets())('orders, releases and import orders on %s', (target) => {
  let t: TestDatabase;
  let dir: string;
  let mixedCsv: string;

  async function cli(argv: string[], stdin = '') {
    const io = bufferIo(stdin);
    const code = await runCli(argv, io, () => Promise.resolve(t));
    return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) as any };
  }
  const listWindow = (json = true) =>
    cli(['orders', '--store', 'cli-orders', '--from', '2026-11-03', '--to', '2026-11-05', ...(json ? ['--json'] : [])]);
  const listAll = () => cli(['orders', '--store', 'cli-orders', '--from', '2026-01-01', '--to', '2026-12-31', '--json']);

  beforeAll(async () => {
    t = await createTestDatabase(target);
    dir = mkdtempSync(join(tmpdir(), 'sw-cli-orders-'));
    mixedCsv = join(dir, 'mixed.csv');
    writeFileSync(mixedCsv, MIXED_CSV);
    const add = await cli([
      'store', 'add', '--name', 'CLI Orders', '--platform', 'shopify', '--shop-domain', SHOP_DOMAIN,
      '--timezone', 'UTC', '--currency', 'USD', '--phone-country', 'US', '--json',
    ]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.json().id).toBe('cli-orders');
    expect((await cli(['store', 'secret', 'cli-orders', 'shopify_webhook_secret'], WEBHOOK_SECRET)).code).toBe(0);
    const other = await cli(['store', 'add', '--name', 'Other Shop', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'USD']);
    expect(other.code).toBe(0);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.cleanup();
  });

  describe('import orders', () => {
    it('a file without a required column is refused (exit 1) and imports nothing', async () => {
      const missing = join(dir, 'missing.csv');
      writeFileSync(missing, 'id,value,currency\nM-1,1,USD\n');
      const r = await cli(['import', 'orders', '--store', 'cli-orders', missing]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .*missing required column\(s\) processed_at/m);
      expect((await listAll()).json()).toEqual([]);
    });

    it('usage errors exit 2; an unreadable file or unknown store exit 1', async () => {
      expect((await cli(['import', 'orders', '--store', 'cli-orders'])).code).toBe(2);
      expect((await cli(['import', 'orders', mixedCsv])).code).toBe(2);
      const nofile = await cli(['import', 'orders', '--store', 'cli-orders', join(dir, 'does-not-exist.csv')]);
      expect(nofile.code).toBe(1);
      expect(nofile.stderr).toMatch(/cannot read .*does-not-exist\.csv/);
      const nostore = await cli(['import', 'orders', '--store', 'no-such-store', mixedCsv]);
      expect(nostore.code).toBe(1);
      expect(nostore.stderr).toMatch(/^error: /);
      expect((await listAll()).json()).toEqual([]);
    });

    it('keeps the good rows, reports each bad row with its row number and reason, exits 1', async () => {
      const r = await cli(['import', 'orders', '--store', 'cli-orders', mixedCsv]);
      expect(r.code).toBe(1);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe('7 rows: 4 new, 0 updated, 0 unchanged, 3 rejected');
      // Row numbers count data rows (1 = the first line after the header).
      expect(lines.slice(1, 4)).toEqual([
        '  row 2 (id CSV-2): value: "abc" is not a number',
        expect.stringMatching(/^ {2}row 4 \(id CSV-4\): processed_at: "yesterday" is not a date/),
        '  row 6 (id CSV-6): currency: "DOLLARS" is not an ISO 4217 code',
      ]);
      expect(lines.slice(4)).toEqual(['']);
      expect(r.stderr).toMatch(/importing 7 rows in \d+\.\ds/);

      const all = (await listAll()).json() as { id: string }[];
      expect(all.map((o) => o.id)).toEqual(['CSV-1', 'CSV-3', 'CSV-5', 'CSV-7']);
    });

    it('re-importing the same file changes nothing (same report, same rows), --json is the full result', async () => {
      const before = (await listAll()).stdout;
      const again = await cli(['import', 'orders', '--store', 'cli-orders', mixedCsv, '--json']);
      expect(again.code).toBe(1);
      expect(again.json()).toEqual({
        received: 7,
        accepted: 4,
        inserted: 0,
        updated: 0,
        unchanged: 4,
        droppedKeys: 0,
        rejected: [
          { index: 2, id: 'CSV-2', reason: 'value: "abc" is not a number' },
          { index: 4, id: 'CSV-4', reason: expect.stringMatching(/^processed_at: "yesterday" is not a date/) },
          { index: 6, id: 'CSV-6', reason: 'currency: "DOLLARS" is not an ISO 4217 code' },
        ],
      });
      expect((await listAll()).stdout).toBe(before);
    });

    it('a file of good rows exits 0; a changed row is an update, the rest unchanged', async () => {
      const good = join(dir, 'good.csv');
      writeFileSync(good, `${HEADER}\nCSV-7,#1007,2026-11-06T00:00:00Z,3,USD,,,,,,,\nCSV-8,#1008,2026-11-06T01:00:00Z,4,USD,,,,,,,\n`);
      const first = await cli(['import', 'orders', '--store', 'cli-orders', good]);
      expect(first.stdout).toBe('2 rows: 1 new, 0 updated, 1 unchanged, 0 rejected\n');
      expect(first.code).toBe(0);
      const again = await cli(['import', 'orders', '--store', 'cli-orders', good]);
      expect(again.stdout).toBe('2 rows: 0 new, 0 updated, 2 unchanged, 0 rejected\n');
      expect(again.code).toBe(0);

      const changed = join(dir, 'changed.csv');
      writeFileSync(changed, `${HEADER}\nCSV-8,#1008,2026-11-06T01:00:00Z,4.5,USD,,2026-11-07T00:00:00Z,,,,,\n`);
      const update = await cli(['import', 'orders', '--store', 'cli-orders', changed, '--json']);
      expect(update.code).toBe(0);
      expect(update.json()).toMatchObject({ received: 1, inserted: 0, updated: 1, unchanged: 0, rejected: [] });
      const csv8 = ((await listAll()).json() as any[]).find((o) => o.id === 'CSV-8');
      expect(csv8).toMatchObject({ value: 4.5, cancelled_at: '2026-11-07T00:00:00.000Z' });
    });
  });

  describe('orders', () => {
    it('--json prints the orders of the window (both days inclusive) with exactly the documented fields', async () => {
      const r = await listWindow();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = r.json() as Record<string, unknown>[];
      for (const row of rows) expect(Object.keys(row).sort()).toEqual(ORDER_FIELDS);
      // CSV-7 (2026-11-06T00:00:00Z) is the first instant after --to.
      expect(rows).toEqual([
        {
          id: 'CSV-1', name: '#1001', processed_at: '2026-11-03T10:00:00.000Z', value: 49.9, currency: 'USD', test: false,
          cancelled_at: null, channel: 'web', in_scope: true, scope_reason: null, attribution: 'click_id', attribution_visit: 'last',
          browser: 'Safari', os: 'iOS',
        },
        {
          id: 'CSV-3', name: '#1003', processed_at: '2026-11-04T09:30:00.000Z', value: 12, currency: 'EUR', test: true,
          cancelled_at: null, channel: 'web', in_scope: false, scope_reason: 'test', attribution: 'none', attribution_visit: null,
          browser: null, os: null,
        },
        {
          id: 'CSV-5', name: '#1005', processed_at: '2026-11-05T23:59:59.000Z', value: 120.5, currency: 'USD', test: false,
          cancelled_at: '2026-11-06T08:00:00.000Z', channel: 'pos', in_scope: false, scope_reason: 'pos', attribution: 'utm',
          attribution_visit: 'last', browser: 'Chrome', os: 'Windows',
        },
      ]);
      // Raw personal data is never printed (the email was hashed on arrival).
      expect(r.stdout.toLowerCase()).not.toContain('jane.doe');
    });

    it('the id is the platform id, also for a Shopify webhook order', async () => {
      const raw = Buffer.from(
        JSON.stringify({
          id: 5559876543210, name: '#2001', processed_at: '2026-11-04T15:00:00Z', updated_at: '2026-11-04T15:00:01Z',
          created_at: '2026-11-04T15:00:00Z', cancelled_at: null, test: false, total_price: '10.00', currency: 'USD', source_name: 'web',
          client_details: { user_agent: IPHONE_SAFARI },
        }),
      );
      const headers = new Headers({
        'X-Shopify-Topic': 'orders/create',
        'X-Shopify-Hmac-Sha256': createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('base64'),
        'X-Shopify-Shop-Domain': SHOP_DOMAIN,
        'X-Shopify-Webhook-Id': 'cli-orders-wh-1',
      });
      expect(await receiveShopifyWebhook(t.db, headers, raw)).toMatchObject({ status: 'processed' });
      const rows = (await listWindow()).json() as any[];
      expect(rows.map((o) => o.id)).toEqual(['CSV-1', 'CSV-3', '5559876543210', 'CSV-5']);
      expect(rows[2]).toMatchObject({ name: '#2001', value: 10, in_scope: true, browser: 'Safari', os: 'iOS' });
    });

    it('the text form is an aligned table with a summary line', async () => {
      const r = await listWindow(false);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]!.split(/\s{2,}/)).toEqual([
        'id', 'name', 'processed_at', 'value', 'currency', 'channel', 'in_scope', 'scope_reason', 'attribution', 'browser', 'os',
      ]);
      expect(lines[1]).toMatch(/^─+( {2}─+){10}$/);
      expect(lines.at(-1)).toBe('4 order(s), 2 in scope');
      const body = lines.slice(2, -1);
      expect(body).toHaveLength(4);
      // Columns line up with the header, and empty values print as "-".
      const starts = (line: string) => [...line.matchAll(/(?:^|\s{2})(\S)/g)].map((m) => m.index! + (m.index ? 2 : 0));
      for (const line of body) expect(starts(line)).toEqual(starts(lines[0]!));
      expect(body[0]!.split(/\s{2,}/)).toEqual(['CSV-1', '#1001', '2026-11-03T10:00:00.000Z', '49.9', 'USD', 'web', 'true', '-', 'click_id', 'Safari', 'iOS']);
      expect(body[1]!.split(/\s{2,}/)).toEqual(['CSV-3', '#1003', '2026-11-04T09:30:00.000Z', '12', 'EUR', 'web', 'false', 'test', 'none', '-', '-']);
      expect(r.stdout).not.toMatch(/undefined|null|\[object/);
    });

    it('an empty window prints (none) and [], another store does not see these orders', async () => {
      const empty = await cli(['orders', '--store', 'cli-orders', '--from', '2025-01-01', '--to', '2025-01-31']);
      expect(empty.code).toBe(0);
      expect(empty.stdout).toBe('(none)\n0 order(s), 0 in scope\n');
      const other = await cli(['orders', '--store', 'other-shop', '--from', '2026-01-01', '--to', '2026-12-31', '--json']);
      expect(other.code).toBe(0);
      expect(other.json()).toEqual([]);
    });

    it('a missing or malformed window is a usage error (exit 2); an unknown store exits 1', async () => {
      expect((await cli(['orders', '--store', 'cli-orders', '--from', '2026-11-03'])).code).toBe(2);
      expect((await cli(['orders', '--store', 'cli-orders', '--from', '2026-11-03', '--to', '2026-02-30'])).code).toBe(2);
      expect((await cli(['orders', '--store', 'cli-orders', '--from', '2026-11-05', '--to', '2026-11-03'])).code).toBe(2);
      expect((await cli(['orders', '--from', '2026-11-03', '--to', '2026-11-05'])).code).toBe(2);
      const unknown = await cli(['orders', '--store', 'nope', '--from', '2026-11-03', '--to', '2026-11-05']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: /);
    });
  });

  describe('releases', () => {
    it('lists a store’s release markers in time order (--json and text), none for another store', async () => {
      const none = await cli(['releases', '--store', 'cli-orders']);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe('(none)\n');
      expect((await cli(['releases', '--store', 'cli-orders', '--json'])).json()).toEqual([]);

      // Delivered out of order; a repeat delivery of the first adds nothing.
      const later = themePublish(2002, 'Dawn — checkout v2', '2026-11-04T12:00:00Z', 'rel-wh-2');
      const earlier = themePublish(2001, 'Dawn — CSP', '2026-11-02T08:30:00Z', 'rel-wh-1');
      expect(await receiveShopifyWebhook(t.db, later.headers, later.raw)).toMatchObject({ status: 'processed' });
      expect(await receiveShopifyWebhook(t.db, earlier.headers, earlier.raw)).toMatchObject({ status: 'processed' });
      expect(await receiveShopifyWebhook(t.db, later.headers, later.raw)).toMatchObject({ status: 'duplicate' });

      const r = await cli(['releases', '--store', 'cli-orders', '--json']);
      expect(r.code).toBe(0);
      const rows = r.json() as any[];
      expect(rows).toEqual([
        {
          id: expect.anything(), kind: 'theme_publish', name: 'Dawn — CSP', source: 'shopify',
          released_at: '2026-11-02T08:30:00.000Z', description: 'Theme "Dawn — CSP" published',
        },
        {
          id: expect.anything(), kind: 'theme_publish', name: 'Dawn — checkout v2', source: 'shopify',
          released_at: '2026-11-04T12:00:00.000Z', description: 'Theme "Dawn — checkout v2" published',
        },
      ]);
      expect(rows[0].id).not.toEqual(rows[1].id);

      const text = await cli(['releases', '--store', 'cli-orders']);
      expect(text.code).toBe(0);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines[0]!.split(/\s{2,}/)).toEqual(['id', 'released_at', 'kind', 'name', 'source']);
      expect(lines).toHaveLength(4);
      expect(lines[2]!.split(/\s{2,}/)).toEqual([String(rows[0].id), '2026-11-02T08:30:00.000Z', 'theme_publish', 'Dawn — CSP', 'shopify']);
      expect(lines[3]!.split(/\s{2,}/)).toEqual([String(rows[1].id), '2026-11-04T12:00:00.000Z', 'theme_publish', 'Dawn — checkout v2', 'shopify']);

      expect((await cli(['releases', '--store', 'other-shop', '--json'])).json()).toEqual([]);
    });

    it('needs --store (exit 2); an unknown store exits 1', async () => {
      expect((await cli(['releases'])).code).toBe(2);
      const unknown = await cli(['releases', '--store', 'nope', '--json']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: /);
    });
  });
});

describe('import orders and orders through the real bin', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sw-cli-orders-bin-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function bin(args: string[]) {
    const p = startSignalwatch(args, { cwd: dataDir, env: { ...process.env, SIGNALWATCH_DATA_DIR: dataDir, DATABASE_URL: '' } });
    const { code } = await p.exited;
    return { code, stdout: p.stdout, stderr: p.stderr };
  }

  it('the process exits 1 when rows were rejected, 0 on a clean file; the orders are stored on disk', async () => {
    const add = await bin(['store', 'add', '--name', 'Bin Shop', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'USD']);
    expect(add.stderr).not.toMatch(/error/i);
    expect(add.code).toBe(0);

    const csv = join(dataDir, 'orders.csv');
    writeFileSync(csv, MIXED_CSV);
    const mixed = await bin(['import', 'orders', '--store', 'bin-shop', csv]);
    expect(mixed.stdout).toContain('7 rows: 4 new, 0 updated, 0 unchanged, 3 rejected');
    expect(mixed.stdout).toContain('  row 6 (id CSV-6): currency: "DOLLARS" is not an ISO 4217 code');
    expect(mixed.code).toBe(1);

    const good = join(dataDir, 'good.csv');
    writeFileSync(good, 'id,processed_at,value,currency\nG-1,2026-11-04T00:00:00Z,1,USD\n');
    const clean = await bin(['import', 'orders', '--store', 'bin-shop', good]);
    expect(clean.stdout).toBe('1 rows: 1 new, 0 updated, 0 unchanged, 0 rejected\n');
    expect(clean.code).toBe(0);

    const list = await bin(['orders', '--store', 'bin-shop', '--from', '2026-11-03', '--to', '2026-11-05', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((o) => o.id)).toEqual(['CSV-1', 'G-1', 'CSV-3', 'CSV-5']);
  }, SETUP_TIMEOUT_MS);
});
