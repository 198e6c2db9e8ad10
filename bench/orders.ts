/**
 * Orders ingest bench (run: `npx tsx bench/orders.ts`, ~2–3 minutes on 2 cores).
 *
 * (a) CSV import: a generated 100,000-row CSV through `importOrdersCsv` into a fresh Postgres
 *     database and into PGlite in memory, against `COPY … FROM STDIN (FORMAT csv)` of the same
 *     file into a typed table with the CSV's columns (the floor any import can reach).
 * (b) Shopify webhooks: `POST /api/webhooks/shopify` on the real app (server.ts + Next build,
 *     Postgres) at 20 connections, every request with a valid HMAC, a unique X-Shopify-Webhook-Id
 *     and a distinct order id, against a bare node:http server that verifies the same HMAC and
 *     inserts one row per request with postgres.js.
 *
 * Options: --rows N (default 100000), --seconds S (webhook run length, default 10),
 *          --connections C (default 20), --skip-pglite, --skip-webhooks, --skip-import,
 *          --keep-csv (leave the generated file in the temp dir), --generate-only (write the CSV, keep it, stop),
 *          --reimport (import the same file a second time: the all-unchanged merge path).
 */
import { createHmac } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuPerCall, offlineDb } from './lib/offline-db';
import postgres from 'postgres';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import {
  benchEnv,
  createScratchDb,
  dropAllScratch,
  ensureNextBuild,
  fmtInt,
  fmtMs,
  fmtRatio,
  fmtS,
  heading,
  loadAverage,
  machineLine,
  now,
  percentile,
  rng,
  ROOT,
  startChild,
  table,
  withCpu,
} from './lib/common';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    'skip-pglite': { type: 'boolean', default: false },
    'skip-webhooks': { type: 'boolean', default: false },
    'skip-import': { type: 'boolean', default: false },
    'keep-csv': { type: 'boolean', default: false },
    'generate-only': { type: 'boolean', default: false },
    reimport: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);

benchEnv();
// After benchEnv(): these read the environment lazily, on first use.
const { openDatabase } = await import('@/db/client');
const { migrate } = await import('@/db/migrate');
const { createStore, setStoreSecret } = await import('@/lib/stores');
const { importOrdersCsv } = await import('@/lib/commerce/import');
const { GENERIC_ORDER_COLUMNS, parseGenericOrders } = await import('@/lib/commerce/generic');
const { toOrderRow } = await import('@/lib/commerce/ingest');
const { upsertOrders } = await import('@/db/queries/orders');
const { recordWebhookDeliveryWithOrders } = await import('@/db/queries/webhooks');
const { getStoreByShopDomain } = await import('@/db/queries/stores');
const { isShopifyTestNotification, mapWebhookOrder } = await import('@/lib/commerce/shopify/webhooks');
const { receiveShopifyWebhook } = await import('@/lib/commerce/webhook-intake');

process.once('SIGINT', () => void dropAllScratch().finally(() => process.exit(130)));

// ---------------------------------------------------------------------------------------------
// Data: a realistic generic-orders CSV (lib/commerce/generic.ts columns)
// ---------------------------------------------------------------------------------------------

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US',
];
const FIRST = ['emma', 'liam', 'olivia', 'noah', 'ava', 'elijah', 'sophia', 'lucas', 'mia', 'mateo', 'zoë', 'jürgen'];
const LAST = ['smith', 'garcia', 'müller', 'nguyen', 'johnson', 'kim', 'rossi', 'dubois', 'o.brien', 'patel'];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.co.uk', 'web.de'];
const AREA = ['212', '310', '415', '512', '617', '702', '718', '805', '917', '949'];
const CURRENCIES: [string, number][] = [['USD', 0.7], ['EUR', 0.15], ['GBP', 0.1], ['CAD', 0.05]];

function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function generateCsv(path: string, rows: number): Promise<void> {
  const r = rng(20251122);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const weighted = (xs: [string, number][]) => {
    let x = r();
    for (const [v, w] of xs) if ((x -= w) < 0) return v;
    return xs[xs.length - 1]![0];
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const token = (n: number) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(r() * 62)]).join('');
  const base = Date.UTC(2025, 9, 1); // processed_at spread over ~4 weeks from 2025-10-01
  const step = (28 * 86_400_000) / rows;
  const out = createWriteStream(path);
  out.write(GENERIC_ORDER_COLUMNS.join(',') + '\n');
  let i = 0;
  return new Promise((resolve, reject) => {
    out.on('error', reject);
    const writeSome = () => {
      let ok = true;
      while (i < rows && ok) {
        const processed = new Date(base + i * step + Math.floor(r() * step));
        // ~10% written with a non-UTC offset, the rest as Shopify/ISO UTC strings
        const processedText =
          r() < 0.1 ? new Date(processed.getTime() + 2 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+02:00') : processed.toISOString();
        const hasContact = r() < 0.7;
        const first = pick(FIRST);
        const last = pick(LAST);
        let email = hasContact ? `${first}.${last}${i % 997}@${pick(DOMAINS)}` : '';
        if (email && r() < 0.08) email = ` ${email.charAt(0).toUpperCase()}${email.slice(1)} `; // untrimmed / mixed case
        let phone = '';
        if (hasContact && r() < 0.85) {
          const k = r();
          phone =
            k < 0.5
              ? `+1${pick(AREA)}${2 + Math.floor(r() * 8)}${digits(6)}`
              : k < 0.8
                ? `(${pick(AREA)}) ${2 + Math.floor(r() * 8)}${digits(2)}-${digits(4)}`
                : k < 0.92
                  ? `+44 7${digits(3)} ${digits(6)}`
                  : `+49 15${digits(1)} ${digits(7)}`;
        }
        const ttclidRow = r() < 0.25;
        const ttclid = ttclidRow ? `E.C.P.${token(40)}` : '';
        const utm = ttclidRow ? 'tiktok' : r() < 0.15 ? pick(['google', 'facebook', 'newsletter', 'tiktok']) : '';
        const landing =
          r() < 0.65 || ttclidRow
            ? `https://shop.example.com/products/${pick(['linen-shirt', 'wool-socks', 'canvas-tote', 'desk-lamp'])}?variant=${digits(11)}${utm ? `&utm_source=${utm}&utm_medium=paid` : ''}${ttclid ? `&ttclid=${ttclid}` : ''}`
            : '';
        const referrer = r() < 0.4 ? pick(['https://www.tiktok.com/', 'https://www.google.com/', 'https://l.instagram.com/', 'https://www.tiktok.com/foryou']) : '';
        const channel = weighted([['web', 0.9], ['pos', 0.05], ['draft_order', 0.02], ['', 0.03]]);
        const firstVisit = r() < 0.5 ? new Date(processed.getTime() - Math.floor(r() * 40 * 86_400_000)).toISOString() : '';
        const row = [
          String(5_200_000_000 + i * 7),
          `#${1001 + i}`,
          processedText,
          (5 + r() * 295).toFixed(2),
          weighted(CURRENCIES),
          r() < 0.005 ? 'true' : 'false',
          r() < 0.02 ? new Date(processed.getTime() + 3600_000).toISOString() : '',
          new Date(processed.getTime() + Math.floor(r() * 600_000)).toISOString(),
          channel,
          email,
          phone,
          hasContact && r() < 0.6 ? `cust_${digits(9)}` : '',
          r() < 0.8 ? `${1 + Math.floor(r() * 223)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}` : '',
          r() < 0.85 ? pick(USER_AGENTS) : '',
          '', // ttclid column: the click id usually arrives inside the landing URL
          r() < 0.3 ? `${token(27)}` : '',
          landing,
          referrer,
          utm,
          r() < 0.05 ? 'tiktok' : '',
          firstVisit,
        ];
        ok = out.write(row.map(csvField).join(',') + '\n');
        i++;
      }
      if (i < rows) out.once('drain', writeSome);
      else out.end(resolve);
    };
    writeSome();
  });
}

// ---------------------------------------------------------------------------------------------
// (a) CSV import
// ---------------------------------------------------------------------------------------------

const STORE = { id: 'bench-shop', name: 'Bench Shop', platform: 'shopify' as const, shop_domain: 'bench-shop.myshopify.com', timezone: 'UTC', currency: 'USD', phone_country: 'US' };

/** What hashing and the import need of the store. */
const STORE_SETTINGS = { id: STORE.id, phoneCountry: 'US' };

/** The CSV's columns, typed the way `orders` types them; one key (like orders_store_platform_uq). */
const COPY_TABLE = `create table copy_orders (
  id text primary key, name text, processed_at timestamptz not null, value numeric(14,2) not null,
  currency char(3) not null, test boolean, cancelled_at timestamptz, updated_at timestamptz, channel text,
  email text, phone text, external_id text, ip text, user_agent text, ttclid text, ttp text,
  landing_url text, referrer_url text, utm_source text, platform_source text, first_visit_at timestamptz)`;

interface ImportFigures {
  copyPgRowsPerS: number;
  importPgRowsPerS: number;
  reimportPgRowsPerS?: number;
  importPgliteRowsPerS?: number;
  copyPgliteRowsPerS?: number;
}

const perKRows = (ms: number) => `${((ms / ROWS) * 1000).toFixed(0)} ms`;

async function csvImport(csvPath: string): Promise<ImportFigures> {
  heading(`CSV import: ${fmtInt(ROWS)} rows, ${(statSync(csvPath).size / 1e6).toFixed(1)} MB`);
  const store = STORE_SETTINGS;

  // Where the import's Node CPU goes, without a database: parse → zod → hash/classify → SQL build.
  {
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let c = cpu();
    const records = parseCsvSync(readFileSync(csvPath), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as unknown[];
    const parseMs = cpu() - c;
    c = cpu();
    const { good, bad } = parseGenericOrders(records);
    const validateMs = cpu() - c;
    c = cpu();
    const rows = good.map((o) => {
      const { droppedKeys, ...row } = toOrderRow(store, o, 'csv');
      void droppedKeys;
      return row;
    });
    const rowsMs = cpu() - c;
    // upsertOrders' statements built exactly as importOrdersCsv sends them (one per 2,000-line batch), never sent.
    const offline = offlineDb();
    c = cpu();
    for (let i = 0; i < rows.length; i += 2_000) await upsertOrders(offline.db, rows.slice(i, i + 2_000));
    const buildMs = cpu() - c;
    const batchStatement = offline.last();
    const total = parseMs + validateMs + rowsMs + buildMs;
    console.log(`  Node CPU per 1,000 rows without a database (${bad.length} bad rows; the last upsert statement: ${fmtInt(batchStatement.chars)} chars, ${fmtInt(batchStatement.params)} parameters):`);
    table([
      ['csv-parse', 'validate (parseGenericOrders)', 'hash/classify/UA', 'upsertOrders SQL build', 'sum', '→ rows/s per core'],
      [perKRows(parseMs), perKRows(validateMs), perKRows(rowsMs), perKRows(buildMs), perKRows(total), fmtInt(ROWS / (total / 1000))],
    ]);
  }

  const scratch = await createScratchDb('sw_bench_orders');
  const figures: Partial<ImportFigures> = {};
  try {
    const handle = await openDatabase({ url: scratch.url }, { max: 4 });
    await migrate(handle);
    await createStore(handle.db, STORE, 'bench');

    // Baseline: COPY of the same file, same database, same run.
    const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    await sql.unsafe(COPY_TABLE);
    const copy = await withCpu(scratch.name, undefined, async () => {
      await pipeline(createReadStream(csvPath), await sql`copy copy_orders from stdin (format csv, header true)`.writable());
    });
    const [{ n: copied }] = await sql<{ n: number }[]>`select count(*)::int as n from copy_orders`;
    figures.copyPgRowsPerS = ROWS / (copy.wallMs / 1000);

    const imp = await withCpu(scratch.name, undefined, () => importOrdersCsv(handle.db, store, csvPath));
    const result = imp.result;
    const [{ n: imported }] = await sql<{ n: number }[]>`select count(*)::int as n from orders where store_id = ${STORE.id}`;
    figures.importPgRowsPerS = ROWS / (imp.wallMs / 1000);

    // --reimport: the same file again; every row merges as unchanged (the documented idempotent re-import).
    const re = args.reimport ? await withCpu(scratch.name, undefined, () => importOrdersCsv(handle.db, store, csvPath)) : undefined;
    const again = re?.result;
    if (re) figures.reimportPgRowsPerS = ROWS / (re.wallMs / 1000);
    const [{ n: afterAgain }] = await sql<{ n: number }[]>`select count(*)::int as n from orders where store_id = ${STORE.id}`;

    await sql.end();
    await handle.close();

    console.log(`  Postgres (load average ${loadAverage()})`);
    table([
      ['', 'wall', 'rows/s', 'vs COPY', 'Node CPU/1k rows', 'PG CPU/1k rows', 'rows after'],
      ['COPY … FROM STDIN (baseline)', fmtS(copy.wallMs), fmtInt(figures.copyPgRowsPerS), '1.00×', perKRows(copy.selfCpuMs), perKRows(copy.pgCpuMs), fmtInt(copied)],
      ['importOrdersCsv', fmtS(imp.wallMs), fmtInt(figures.importPgRowsPerS), fmtRatio(imp.wallMs / copy.wallMs) + ' slower', perKRows(imp.selfCpuMs), perKRows(imp.pgCpuMs), fmtInt(imported)],
      ...(re
        ? [['importOrdersCsv (re-import)', fmtS(re.wallMs), fmtInt(figures.reimportPgRowsPerS!), fmtRatio(re.wallMs / copy.wallMs) + ' slower', perKRows(re.selfCpuMs), perKRows(re.pgCpuMs), fmtInt(afterAgain)]]
        : []),
    ]);
    console.log(
      `  import/COPY throughput ratio ${(figures.importPgRowsPerS / figures.copyPgRowsPerS).toFixed(3)}; ` +
        `target ≥ 10,000 rows/s into Postgres: ${figures.importPgRowsPerS >= 10_000 ? 'met' : 'NOT met'} (${fmtInt(figures.importPgRowsPerS)} rows/s)`,
    );
    console.log(
      `  result: received ${fmtInt(result.received)}, accepted ${fmtInt(result.accepted)}, inserted ${fmtInt(result.inserted)}, ` +
        `rejected ${result.rejected.length}, dropped keys ${fmtInt(result.droppedKeys)}` +
        (again ? `; re-import: inserted ${again.inserted}, updated ${again.updated}, unchanged ${fmtInt(again.unchanged)}` : ''),
    );
    const ok = copied === ROWS && imported === result.accepted && result.accepted === ROWS && (!again || (afterAgain === imported && again.inserted === 0 && again.updated === 0));
    console.log(`  row counts: ${ok ? 'OK' : 'MISMATCH'} (COPY ${fmtInt(copied)}, orders ${fmtInt(imported)} = accepted ${fmtInt(result.accepted)} of ${fmtInt(ROWS)})`);
    if (!ok) process.exitCode = 1;
  } finally {
    await scratch.drop();
  }

  if (!args['skip-pglite']) {
    const handle = await openDatabase({ memory: true });
    await migrate(handle);
    await createStore(handle.db, STORE, 'bench');
    const conn = await handle.connection();
    await conn.exec(COPY_TABLE);
    const client = (handle.db as unknown as { $client: import('@electric-sql/pglite').PGlite }).$client;
    // PGlite's COPY reads a Blob through /dev/blob.
    let t = now();
    await client.query(`copy copy_orders from '/dev/blob' with (format csv, header true)`, [], { blob: new Blob([readFileSync(csvPath)]) });
    const copyMs = now() - t;
    const copied = (await conn.query<{ n: number }>('select count(*)::int as n from copy_orders'))[0]!.n;
    t = now();
    const result = await importOrdersCsv(handle.db, store, csvPath);
    const importMs = now() - t;
    const imported = (await conn.query<{ n: number }>(`select count(*)::int as n from orders where store_id = '${STORE.id}'`))[0]!.n;
    await handle.close();
    figures.copyPgliteRowsPerS = ROWS / (copyMs / 1000);
    figures.importPgliteRowsPerS = ROWS / (importMs / 1000);
    console.log(`  PGlite in memory (load average ${loadAverage()})`);
    table([
      ['', 'wall', 'rows/s', 'vs COPY', 'rows after'],
      ['COPY FROM /dev/blob (baseline)', fmtS(copyMs), fmtInt(figures.copyPgliteRowsPerS), '1.00×', fmtInt(copied)],
      ['importOrdersCsv', fmtS(importMs), fmtInt(figures.importPgliteRowsPerS), fmtRatio(importMs / copyMs) + ' slower', fmtInt(imported)],
    ]);
    console.log(`  import/COPY throughput ratio ${(figures.importPgliteRowsPerS / figures.copyPgliteRowsPerS).toFixed(3)}`);
    const ok = copied === ROWS && imported === result.accepted && result.accepted === ROWS;
    console.log(`  row counts: ${ok ? 'OK' : 'MISMATCH'} (COPY ${fmtInt(copied)}, orders ${fmtInt(imported)} = accepted ${fmtInt(result.accepted)} of ${fmtInt(ROWS)})`);
    if (!ok) process.exitCode = 1;
  }
  return figures as ImportFigures;
}

// ---------------------------------------------------------------------------------------------
// (b) Shopify webhooks
// ---------------------------------------------------------------------------------------------

const WEBHOOK_SECRET = 'shpss_bench_0123456789abcdef0123456789abcdef';
const SHOP_DOMAIN = STORE.shop_domain;

/** A REST orders/create body like Shopify's (the fields mapWebhookOrder reads, plus typical noise). */
function webhookBody(orderId: number, r: () => number): string {
  const processed = new Date(Date.UTC(2025, 10, 3) + Math.floor(r() * 7 * 86_400_000)).toISOString().replace('.000Z', 'Z');
  const contact = r() < 0.7;
  const ttclid = r() < 0.25 ? `E.C.P.${Math.floor(r() * 1e15).toString(36)}${orderId.toString(36)}` : null;
  return JSON.stringify({
    id: orderId,
    admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
    name: `#${orderId % 1_000_000}`,
    order_number: orderId % 1_000_000,
    email: contact ? `shopper${orderId % 100_000}@example.com` : null,
    contact_email: contact ? `shopper${orderId % 100_000}@example.com` : null,
    phone: contact && r() < 0.6 ? `+1415${String(2_000_000 + (orderId % 7_000_000)).padStart(7, '0')}` : null,
    created_at: processed,
    processed_at: processed,
    updated_at: processed,
    cancelled_at: null,
    test: false,
    total_price: (5 + r() * 295).toFixed(2),
    currency: 'USD',
    presentment_currency: 'USD',
    financial_status: 'paid',
    source_name: 'web',
    landing_site: ttclid ? `/products/linen-shirt?utm_source=tiktok&ttclid=${ttclid}` : '/products/linen-shirt',
    referring_site: ttclid ? 'https://www.tiktok.com/' : r() < 0.3 ? 'https://www.google.com/' : null,
    browser_ip: '203.0.113.7',
    client_details: {
      browser_ip: '203.0.113.7',
      user_agent: USER_AGENTS[orderId % USER_AGENTS.length],
      accept_language: 'en-US,en;q=0.9',
      browser_height: null,
      browser_width: null,
      session_hash: null,
    },
    customer: { id: 7_000_000_000 + (orderId % 100_000), email: contact ? `shopper${orderId % 100_000}@example.com` : null, phone: null },
    note_attributes: [{ name: '_ttp', value: `ttp-${orderId.toString(36)}` }],
    line_items: [{ id: orderId * 10 + 1, title: 'Linen shirt', quantity: 1, price: '49.00', sku: 'LS-01' }],
    checkout_token: `ct_${orderId.toString(36)}`,
    cart_token: `cart_${orderId.toString(36)}`,
  });
}

interface LoadResult {
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  durationS: number;
}

/** Webhook load: each request a distinct order id and webhook id, signed. */
async function webhookLoad(url: string, amount: number, idBase: number, label: string): Promise<LoadResult> {
  let seq = 0;
  let ok2xx = 0;
  let non2xx = 0;
  const r = rng(idBase);
  const statusSeen = new Map<number, number>();
  const result = await autocannon({
    url: `${url}/api/webhooks/shopify`,
    method: 'POST',
    connections: CONNECTIONS,
    amount,
    timeout: 30,
    title: label,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const n = seq++;
          const body = webhookBody(idBase + n, r);
          return {
            ...req,
            method: 'POST',
            body,
            headers: {
              'content-type': 'application/json',
              'x-shopify-topic': 'orders/create',
              'x-shopify-hmac-sha256': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64'),
              'x-shopify-shop-domain': SHOP_DOMAIN,
              'x-shopify-webhook-id': `bench-${idBase}-${n}`,
              'x-shopify-api-version': '2025-10',
              'x-shopify-triggered-at': new Date().toISOString(),
            },
          };
        },
        onResponse: (status: number) => {
          statusSeen.set(status, (statusSeen.get(status) ?? 0) + 1);
          if (status >= 200 && status < 300) ok2xx++;
          else non2xx++;
        },
      },
    ],
  } as autocannon.Options);
  if (non2xx) console.log(`  ${label}: non-2xx statuses ${JSON.stringify(Object.fromEntries(statusSeen))}`);
  return {
    requests: result.requests.total,
    ok2xx,
    non2xx,
    errors: result.errors + result.timeouts,
    rps: result.requests.total / (result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    durationS: result.duration,
  };
}

interface Measured extends LoadResult {
  /** 2xx during the warm-up (also written to the database). */
  warm: number;
  serverCpuMsPerReq: number;
  pgCpuMsPerReq: number;
  loadGenCpuMsPerReq: number;
}

/** Warm up, size the measured run to ~SECONDS at the warm rate, then measure (with CPU accounting). */
async function measure(url: string, label: string, idBase: number, database: string, serverPid: number): Promise<Measured> {
  const warm = await webhookLoad(url, 1_000, idBase, `${label} warm-up`);
  const amount = Math.max(1_000, Math.round(warm.rps * SECONDS));
  const m = await withCpu(database, serverPid, () => webhookLoad(url, amount, idBase + 10_000_000, label));
  const n = m.result.requests || 1;
  return { ...m.result, warm: warm.ok2xx, serverCpuMsPerReq: m.childCpuMs / n, pgCpuMsPerReq: m.pgCpuMs / n, loadGenCpuMsPerReq: m.selfCpuMs / n };
}

/** receiveShopifyWebhook called directly, CONNECTIONS calls in flight, through a pool of 10 like the app's. */
async function inProcess(scratch: { name: string; url: string }, amount: number): Promise<Measured> {
  const handle = await openDatabase({ url: scratch.url }, { max: 10 });
  const r = rng(3);
  let seq = 0;
  const call = async (): Promise<[number, boolean]> => {
    const n = seq++;
    const body = Buffer.from(webhookBody(3_000_000_000 + n, r));
    const headers = new Headers({
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/create',
      'x-shopify-hmac-sha256': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64'),
      'x-shopify-shop-domain': SHOP_DOMAIN,
      'x-shopify-webhook-id': `bench-direct-${n}`,
    });
    const t = now();
    try {
      const out = await receiveShopifyWebhook(handle.db, headers, body);
      return [now() - t, out.status === 'processed'];
    } catch {
      return [now() - t, false];
    }
  };
  try {
    for (let i = 0; i < 50; i++) await call(); // warm (counted below through ok2xx)
    const warmOk = seq;
    const times: number[] = [];
    let ok = 0;
    let left = amount;
    const m = await withCpu(scratch.name, undefined, () =>
      Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (left-- > 0) {
            const [ms, good] = await call();
            times.push(ms);
            if (good) ok++;
          }
        }),
      ),
    );
    times.sort((a, b) => a - b);
    const n = times.length;
    return {
      requests: n,
      ok2xx: ok + warmOk,
      non2xx: n - ok,
      errors: 0,
      rps: n / (m.wallMs / 1000),
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      durationS: m.wallMs / 1000,
      warm: 0,
      serverCpuMsPerReq: m.selfCpuMs / n,
      pgCpuMsPerReq: m.pgCpuMs / n,
      loadGenCpuMsPerReq: 0,
    };
  } finally {
    await handle.close();
  }
}

interface WebhookFigures {
  app: Measured;
  baseline: Measured;
}

async function webhooks(): Promise<WebhookFigures> {
  heading(`Shopify webhooks: POST /api/webhooks/shopify, ${CONNECTIONS} connections, ~${SECONDS} s`);
  ensureNextBuild();
  const scratch = await createScratchDb('sw_bench_webhooks');
  try {
    const handle = await openDatabase({ url: scratch.url }, { max: 2 });
    await migrate(handle);
    await createStore(handle.db, STORE, 'bench');
    await setStoreSecret(handle.db, STORE.id, 'shopify_webhook_secret', WEBHOOK_SECRET, 'bench');
    await handle.close();
    const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    await sql`create table baseline_webhook_orders (id bigint generated always as identity primary key, webhook_id text not null unique,
              order_id text not null, value numeric(14,2) not null, currency char(3) not null, processed_at timestamptz not null)`;

    // Baseline first, then the app; each server in its own process, the load generator here.
    const base = await startChild(join(ROOT, 'bench/lib/webhook-baseline-server.ts'), { DATABASE_URL: scratch.url, BENCH_WEBHOOK_SECRET: WEBHOOK_SECRET });
    let baseline: Measured;
    try {
      baseline = await measure(`http://127.0.0.1:${base.port}`, 'baseline node:http + postgres.js', 1_000_000_000, scratch.name, base.child.pid!);
    } finally {
      await base.stop();
    }
    const [{ n: baseRows }] = await sql<{ n: number }[]>`select count(*)::int as n from baseline_webhook_orders`;

    const t0 = now();
    const app = await startChild(join(ROOT, 'bench/lib/app-server.ts'), { DATABASE_URL: scratch.url, SIGNALWATCH_SCHEDULER: 'off' });
    console.log(`  app started in ${fmtS(now() - t0)}`);
    let measured: Measured;
    try {
      measured = await measure(`http://127.0.0.1:${app.port}`, 'app POST /api/webhooks/shopify', 2_000_000_000, scratch.name, app.child.pid!);
    } finally {
      await app.stop();
    }
    const [{ n: appRows }] = await sql<{ n: number }[]>`select count(*)::int as n from orders where store_id = ${STORE.id}`;
    const [{ n: appDeliveries }] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_deliveries where store_id = ${STORE.id}`;

    // Diagnostic: the same function without HTTP or Next, called from this process (pool of 10, like the app).
    const direct = await inProcess(scratch, Math.max(1_000, Math.round(measured.rps * 5)));
    const [{ n: orderRows }] = await sql<{ n: number }[]>`select count(*)::int as n from orders where store_id = ${STORE.id}`;
    await sql.end();

    const cpu = (m: Measured) => `${m.serverCpuMsPerReq.toFixed(2)} / ${m.pgCpuMsPerReq.toFixed(2)}`;
    console.log(`  (load average ${loadAverage()}; CPU columns are per request, from /proc: server process / its Postgres backends)`);
    table([
      ['', 'requests', '2xx', 'non2xx/err', 'req/s', 'p50', 'p99', 'CPU ms server / PG'],
      ['baseline (node:http, HMAC, 1 insert)', fmtInt(baseline.requests), fmtInt(baseline.ok2xx), `${baseline.non2xx}/${baseline.errors}`, fmtInt(baseline.rps), fmtMs(baseline.p50), fmtMs(baseline.p99), cpu(baseline)],
      ['app (server.ts → Next → receiveShopifyWebhook)', fmtInt(measured.requests), fmtInt(measured.ok2xx), `${measured.non2xx}/${measured.errors}`, fmtInt(measured.rps), fmtMs(measured.p50), fmtMs(measured.p99), cpu(measured)],
      ['diagnostic: receiveShopifyWebhook in-process, no HTTP', fmtInt(direct.requests), fmtInt(direct.ok2xx), `${direct.non2xx}/${direct.errors}`, fmtInt(direct.rps), fmtMs(direct.p50), fmtMs(direct.p99), cpu(direct)],
    ]);
    console.log(
      `  app/baseline: throughput ${(measured.rps / baseline.rps).toFixed(3)} (baseline ${fmtRatio(baseline.rps / measured.rps)} faster), ` +
        `p50 ${fmtRatio(measured.p50 / baseline.p50)}, p99 ${fmtRatio(measured.p99 / baseline.p99)}, ` +
        `server CPU/request ${fmtRatio(measured.serverCpuMsPerReq / baseline.serverCpuMsPerReq)}, PG CPU/request ${fmtRatio(measured.pgCpuMsPerReq / baseline.pgCpuMsPerReq)}`,
    );
    const appOk = appRows === measured.ok2xx + measured.warm && appDeliveries === appRows && orderRows === appRows + direct.ok2xx;
    const baseOk = baseRows === baseline.ok2xx + baseline.warm;
    console.log(
      `  counts: app orders ${fmtInt(appRows)} = 2xx ${fmtInt(measured.ok2xx + measured.warm)} (incl. ${fmtInt(measured.warm)} warm-up), ` +
        `webhook_deliveries ${fmtInt(appDeliveries)}, + ${fmtInt(direct.ok2xx)} in-process = ${fmtInt(orderRows)}: ${appOk ? 'OK' : 'MISMATCH'}; baseline rows ${fmtInt(baseRows)} = 2xx ${fmtInt(baseline.ok2xx + baseline.warm)}: ${baseOk ? 'OK' : 'MISMATCH'}`,
    );
    if (!appOk || !baseOk) process.exitCode = 1;

    // Statements one webhook sends (counted on a driver with a debug hook; type lookups excluded).
    const statements: string[] = [];
    let coldStatements = 0;
    const counting = postgres(scratch.url, {
      max: 2,
      onnotice: () => {},
      debug: (_c, q) => void (/pg_catalog\.pg_type/.test(q) || statements.push(q.trim().split(/\s+/).slice(0, 3).join(' '))),
    });
    {
      const { drizzle } = await import('drizzle-orm/postgres-js');
      const { schema } = await import('@/db/schema');
      const body = Buffer.from(webhookBody(4_000_000_000, rng(4)));
      const headers = new Headers({
        'x-shopify-topic': 'orders/create',
        'x-shopify-hmac-sha256': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64'),
        'x-shopify-shop-domain': SHOP_DOMAIN,
        'x-shopify-webhook-id': 'bench-count-1',
      });
      const countingDb = drizzle(counting, { schema }) as unknown as Parameters<typeof receiveShopifyWebhook>[0];
      await receiveShopifyWebhook(countingDb, headers, body);
      coldStatements = statements.length;
      // A second webhook on the same database object: the store and its secrets come from the in-process cache.
      statements.length = 0;
      const body2 = Buffer.from(webhookBody(4_000_000_001, rng(5)));
      headers.set('x-shopify-hmac-sha256', createHmac('sha256', WEBHOOK_SECRET).update(body2).digest('base64'));
      headers.set('x-shopify-webhook-id', 'bench-count-2');
      await receiveShopifyWebhook(countingDb, headers, body2);
      await counting.end();
    }

    // Where the function's Node CPU goes: statement building and per-request parsing, no database.
    const offline = offlineDb();
    const sample = JSON.parse(webhookBody(42, rng(42))) as unknown;
    const { droppedKeys, ...row } = toOrderRow(STORE_SETTINGS, mapWebhookOrder(sample), 'shopify_webhook');
    void droppedKeys;
    const upsertMs = await cpuPerCall(500, () => upsertOrders(offline.db, [row]));
    const upsertChars = offline.last().chars;
    const deliveryMs = await cpuPerCall(500, () =>
      recordWebhookDeliveryWithOrders(offline.db, { storeId: STORE.id, platform: 'shopify', webhookId: 'w', topic: 'orders/create', resourceId: '42', outcome: 'processed' }, [row]),
    );
    const deliveryChars = offline.last().chars;
    const selectMs = await cpuPerCall(500, () => getStoreByShopDomain(offline.db, SHOP_DOMAIN));
    const testCheckMs = await cpuPerCall(2000, async () => isShopifyTestNotification(sample));
    const mapMs = await cpuPerCall(2000, async () => toOrderRow(STORE_SETTINGS, mapWebhookOrder(sample), 'shopify_webhook'));
    console.log(
      `  Node CPU per request, no database: upsertOrders SQL build ${fmtMs(upsertMs)} (${fmtInt(upsertChars)}-char statement), ` +
        `delivery + order statement build ${fmtMs(deliveryMs)} (${fmtInt(deliveryChars)} chars; the one a webhook sends), ` +
        `one store/secret select build ${fmtMs(selectMs)} (×3 per cache miss, i.e. per shop every 30 s), ` +
        `isShopifyTestNotification ${fmtMs(testCheckMs)}, mapWebhookOrder+toOrderRow ${fmtMs(mapMs)}`,
    );
    console.log(
      `  statements per webhook: ${statements.length} with the store cached (${statements.join(' | ')}); ${coldStatements} on a cache miss; baseline: 1`,
    );
    return { app: measured, baseline };
  } finally {
    await scratch.drop();
  }
}

// ---------------------------------------------------------------------------------------------

console.log(`Signalwatch orders bench — ${new Date().toISOString()}; ${await machineLine()}`);
const dir = mkdtempSync(join(tmpdir(), 'sw-bench-orders-'));
const csvPath = join(dir, 'orders.csv');
try {
  if (!args['skip-import']) {
    const t = now();
    await generateCsv(csvPath, ROWS);
    console.log(`generated ${csvPath} (${fmtInt(ROWS)} rows) in ${fmtS(now() - t)}`);
    if (!args['generate-only']) await csvImport(csvPath);
  }
  if (!args['skip-webhooks'] && !args['generate-only']) await webhooks();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await dropAllScratch();
  if (!args['keep-csv'] && !args['generate-only']) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${csvPath}`);
}
