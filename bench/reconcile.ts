/**
 * Reconciliation bench (run: `npx tsx bench/reconcile.ts`, ~2–3 minutes on 2 cores).
 *
 * On a scratch Postgres database: one store, one ISO week, 1,000,000 orders, ≈1,000,000 browser
 * events and ≈1,000,000 server events linked by order id with realistic mixes (missing legs,
 * mismatched and missing event ids, pairs more than 48 h apart, lint codes, consent / ad-blocker /
 * slow-page flags, retries, unlinked events) and TikTok's daily counts, loaded set-based with
 * `INSERT … SELECT generate_series(…)` and ANALYZEd.
 *
 * 1. `computeHealth` for that store-week, 3 runs (min / median), against a hand-written
 *    `count(*)` join of the same orders to their server events, also 3 runs, in the same run.
 * 2. The dashboard API on the real app (server.ts + Next build) over that database, with weekly
 *    and rolling-7 snapshots saved: p50/p95/p99 of `/api/v1/overview` and
 *    `/api/v1/stores/<id>/dashboard`, sequential and concurrent, against `/api/health` (a Next
 *    route doing no query) on the same server; then the overview again with 50 stores.
 *
 * Options: --orders N (default 1000000), --runs R (default 3), --sequential N (default 500),
 *          --concurrent N (default 200, at --workers W, default 10), --stores S (default 50),
 *          --skip-dashboard, --breakdown (time computeHealth's three statements separately),
 *          --explain (print EXPLAIN ANALYZE of computeHealth's two aggregate statements),
 *          --keep-db (keep the loaded database), --db NAME (reuse a kept database: skips the load).
 */
import { parseArgs } from 'node:util';
import { sql as dsql } from 'drizzle-orm';
import postgres from 'postgres';
import {
  ADMIN_URL,
  benchEnv,
  createScratchDb,
  databaseUrl,
  keepScratch,
  type ScratchDb,
  dropAllScratch,
  ensureNextBuild,
  fmtInt,
  fmtMs,
  fmtRatio,
  fmtS,
  heading,
  loadAverage,
  machineLine,
  median,
  now,
  percentile,
  ROOT,
  startChild,
  table,
  withCpu,
} from './lib/common';
import { join } from 'node:path';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    sequential: { type: 'string', default: '500' },
    concurrent: { type: 'string', default: '200' },
    workers: { type: 'string', default: '10' },
    stores: { type: 'string', default: '50' },
    'skip-dashboard': { type: 'boolean', default: false },
    breakdown: { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
    'keep-db': { type: 'boolean', default: false },
    db: { type: 'string' },
  },
});
const N = Number(args.orders);
const RUNS = Number(args.runs);
const SEQUENTIAL = Number(args.sequential);
const CONCURRENT = Number(args.concurrent);
const WORKERS = Number(args.workers);
const STORES = Number(args.stores);

benchEnv();
const { openDatabase } = await import('@/db/client');
const { migrate } = await import('@/db/migrate');
const { createStore } = await import('@/lib/stores');
const { computeHealth, saveSnapshot, addDays } = await import('@/lib/health');
const { windowBounds } = await import('@/lib/health/windows');
const { orderAggregates, eventAggregates, dailyCounts } = await import('@/lib/health/queries');
type HealthReport = import('@/lib/health').HealthReport;

process.once('SIGINT', () => void dropAllScratch().finally(() => process.exit(130)));

const STORE_ID = 'bench-store';
/** A settled ISO week, Monday to Sunday (UTC). */
const WEEK = { from: '2025-11-03', to: '2025-11-09' };
const WEEK_START = `${WEEK.from}T00:00:00Z`;

// ---------------------------------------------------------------------------------------------
// Data, set-based. Order i's attributes are functions of i (bench_* below, inlined by the
// planner), so the three tables load independently and in parallel, the legs of an order agree
// with the order across tables, and every run generates the same data.
// ---------------------------------------------------------------------------------------------

const SETUP_SQL = (n: number) => `
-- deterministic uniform [0,1) per (row, salt)
create or replace function bench_u(i bigint, salt int) returns float8 immutable parallel safe language sql
  as $$ select ((hashint8(i * 1000003 + salt) & 2147483647) % 1000000)::float8 / 1000000.0::float8 $$;
-- order i: processed time (the week evenly covered), platform id, value, attribution, UA slot
create or replace function bench_t(i bigint) returns timestamptz immutable parallel safe language sql
  as $$ select timestamptz '${WEEK_START}' + (i - 1) * (interval '604799 seconds' / ${n}) $$;
create or replace function bench_pid(i bigint) returns text immutable parallel safe language sql
  as $$ select (6000000000 + i)::text $$;
create or replace function bench_value(i bigint) returns numeric immutable parallel safe language sql
  as $$ select round((5 + bench_u(i, 1) * 295)::numeric, 2) $$;
create or replace function bench_attr(i bigint) returns text immutable parallel safe language sql
  as $$ select case when bench_u(i, 5) < 0.20 then 'click_id' when bench_u(i, 5) < 0.30 then 'utm'
                    when bench_u(i, 5) < 0.35 then 'referrer' when bench_u(i, 5) < 0.38 then 'platform_source' else 'none' end $$;
-- user agents by slot (order i uses slot i % 20): ~35% Safari/iOS, ~25% Chrome/Android, ~25% Windows, 10% macOS, 5% unknown
create table bench_ua (slot int primary key, browser text, browser_major int, os text, os_major int, device text, ua text);
insert into bench_ua values
  (0, 'Safari', 17, 'iOS', 17, 'mobile', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'),
  (1, 'Safari', 17, 'iOS', 17, 'mobile', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'),
  (2, 'Safari', 17, 'iOS', 17, 'mobile', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'),
  (3, 'Safari', 16, 'iOS', 16, 'mobile', 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1'),
  (4, 'Safari', 17, 'iOS', 17, 'mobile', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'),
  (5, 'Chrome', 124, 'Android', 14, 'mobile', 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36'),
  (6, 'Chrome', 124, 'Android', 14, 'mobile', 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36'),
  (7, 'Chrome', 124, 'Android', 13, 'mobile', 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36'),
  (8, 'Chrome', 124, 'Android', 14, 'mobile', 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36'),
  (9, 'Chrome', 125, 'Windows', 10, 'desktop', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36'),
  (10, 'Chrome', 125, 'Windows', 10, 'desktop', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36'),
  (11, 'Chrome', 125, 'Windows', 10, 'desktop', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36'),
  (12, 'Safari', 17, 'macOS', null, 'desktop', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15'),
  (13, 'Firefox', 126, 'Windows', 10, 'desktop', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0'),
  (14, 'Edge', 124, 'Windows', 10, 'desktop', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80'),
  (15, 'TikTok', 34, 'iOS', 17, 'mobile', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0'),
  (16, 'Safari', 17, 'macOS', null, 'desktop', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15'),
  (17, 'Chrome', 125, 'macOS', null, 'desktop', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36'),
  (18, 'Samsung Internet', 25, 'Android', 14, 'mobile', 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36'),
  (19, null, null, null, null, null, null);`;

/** Orders: ~95% web, 0.5% test, 2% cancelled; 38% TikTok-attributable; days to conversion 0 … 89; 70% with an email hash. */
const ORDERS_SQL = (n: number) => `
insert into orders (store_id, platform_id, name, processed_at, platform_updated_at, value, currency, test,
  cancelled_at, channel, in_scope, scope_reason, attribution, attribution_visit, utm_source, referrer_host,
  first_visit_at, days_to_conversion, browser, browser_major, os, os_major, email_sha256, phone_sha256,
  external_id_sha256, ip, user_agent, ttclid, ttp, source, created_at, updated_at)
select '${STORE_ID}', bench_pid(i), '#' || (1000 + i), t, t + interval '2 minutes', bench_value(i), 'USD', test,
  case when bench_u(i, 3) < 0.02 then t + interval '3 hours' end,
  channel, channel = 'web' and not test,
  case when test then 'test' when channel <> 'web' then 'channel:' || channel end,
  attribution, case when attribution <> 'none' then 'last' end,
  case when attribution = 'utm' then 'tiktok' end, case when attribution = 'referrer' then 'www.tiktok.com' end,
  case when dtc is not null then t - dtc * interval '1 day' end, dtc,
  ua.browser, ua.browser_major, ua.os, ua.os_major,
  case when bench_u(i, 6) < 0.70 then md5(i::text) || md5('e' || i) end,
  case when bench_u(i, 7) < 0.50 then md5('p' || i) || md5('q' || i) end,
  case when bench_u(i, 8) < 0.60 then md5('x' || i) || md5('y' || i) end,
  '198.51.' || (i % 250) || '.' || (i % 200), ua.ua,
  case when attribution = 'click_id' then 'E.C.P.' || md5('c' || i) end,
  case when bench_u(i, 9) < 0.60 then md5('t' || i) end, 'csv', now(), now()
from (
  select i, bench_t(i) as t, bench_u(i, 2) < 0.005 as test, bench_attr(i) as attribution,
    case when bench_u(i, 4) < 0.95 then 'web' when bench_u(i, 4) < 0.98 then 'pos' else 'draft_order' end as channel,
    case when bench_u(i, 10) < 0.40 then 0 when bench_u(i, 10) < 0.70 then 1 + (i % 6) when bench_u(i, 10) < 0.90 then 7 + (i % 23)
         when bench_u(i, 10) < 0.95 then 30 + (i % 60) end as dtc
  from generate_series(1, ${n}::bigint) as i
) o
join bench_ua ua on ua.slot = o.i % 20`;

/**
 * Browser leg: a beacon for 90% of orders (2% fire a non-purchase name, 5% carry another
 * event id, 2% none; 3% consent denied, 8% probe blocked, 2% library not loaded, 3% not
 * tracked, ~12% slower than 5 s, 2% left before send), a second beacon (reload) for 5%,
 * and 5% of the total unlinked to any order.
 */
const BROWSER_SQL = (n: number) => `
insert into browser_events (store_id, received_at, beacon_id, event_name, event_id, order_id, pixel_loaded, pixel_tracked,
  probe_ok, page_load_ms, left_before_send, consent, has_ttclid, has_ttp, browser, browser_major, os, os_major, device_type, page_url)
select '${STORE_ID}', bench_t(k) + (2 + bench_u(k, 11) * 30) * interval '1 second' + case when rep then interval '40 seconds' else interval '0' end,
  case when rep then 'b2-' else 'b-' end || k,
  case when bench_u(k, 12) < 0.60 then 'CompletePayment' when bench_u(k, 12) < 0.98 then 'Purchase' else 'PlaceAnOrder' end,
  case when bench_u(k, 13) < 0.93 then bench_pid(k) when bench_u(k, 13) < 0.98 then 'pix-' || k end,
  bench_pid(k),
  bench_u(k, 14) >= 0.02, bench_u(k, 15) >= 0.03, bench_u(k, 16) >= 0.08,
  (400 + power(bench_u(k, 17), 3) * 14000)::int, bench_u(k, 18) < 0.02,
  case when bench_u(k, 19) < 0.03 then 'denied' when bench_u(k, 19) < 0.63 then 'granted' else 'unknown' end,
  bench_attr(k) = 'click_id' and not (ua.browser = 'Safari' and bench_u(k, 20) < 0.5), bench_u(k, 21) < 0.7,
  ua.browser, ua.browser_major, ua.os, ua.os_major, ua.device,
  'https://shop.example.com/checkouts/thank-you?order=' || bench_pid(k)
from (select k, false as rep from generate_series(1, ${n}::bigint) k where bench_u(k, 10) < 0.90
      union all
      select k, true from generate_series(1, ${n}::bigint) k where bench_u(k, 10) < 0.90 and bench_u(k, 22) < 0.055) b
join bench_ua ua on ua.slot = b.k % 20
union all
select '${STORE_ID}', timestamptz '${WEEK_START}' + bench_u(j, 23) * interval '7 days', 'u-' || j, 'CompletePayment', 'ext-' || j, 'ext-' || j,
  true, true, true, 1200, false, 'unknown', false, true, 'Chrome', 124, 'Android', 14, 'mobile', 'https://shop.example.com/checkouts/thank-you'
from generate_series(1, ${Math.round(n * 0.05)}::bigint) j`;

/**
 * Server leg: an event for 88% of orders (4% other event id, 2% none; 2% more than 48 h after
 * the order; 1% misspelled name; 0.5% test events; 93% sent, 3% rejected, 2% queued, 1% dead,
 * 1% observed; ~15% with lint codes), a retry for 5%, and 7% of the total unlinked.
 */
const SERVER_SQL = (n: number) => `
insert into server_events (store_id, received_at, source, event_time, event_name, event_id, order_id, test_event_code, value, currency,
  has_email, has_phone, has_external_id, has_ttclid, has_ttp, has_ip, has_user_agent, lint_codes, fixes, delivery, tiktok_code, tiktok_message)
select '${STORE_ID}', et + interval '4 seconds', 'relay', et, name, eid, bench_pid(k),
  case when bench_u(k, 36) < 0.005 then 'TEST42' end, bench_value(k), 'USD',
  bench_u(k, 37) < 0.75, bench_u(k, 38) < 0.55, bench_u(k, 39) < 0.60, bench_attr(k) = 'click_id' and bench_u(k, 40) < 0.9,
  bench_u(k, 41) < 0.60, bench_u(k, 42) < 0.95, bench_u(k, 43) < 0.95,
  case when eid is null then '{event_id_missing}'::text[]
       when name = 'purchase' then '{event_name_nonstandard}'
       when bench_u(k, 44) < 0.04 then '{email_not_lowercased}'
       when bench_u(k, 44) < 0.08 then '{phone_not_e164}'
       when bench_u(k, 44) < 0.11 then '{uppercase_hex}'
       when bench_u(k, 44) < 0.13 then '{phone_missing_plus,phone_not_e164}'
       when bench_u(k, 44) < 0.14 then '{hash_of_empty,email_not_trimmed}'
       else '{}' end,
  '{}'::text[], delivery, case when delivery = 'sent' then 0 when delivery = 'rejected' then 40002 end,
  case when delivery = 'rejected' then 'Invalid value for event_id' end
from (
  select k, rep,
    bench_t(k) + case when bench_u(k, 31) < 0.02 then interval '50 hours' else interval '3 seconds' end
               + case when rep then interval '90 seconds' else interval '0' end as et,
    case when bench_u(k, 32) < 0.60 then 'CompletePayment' when bench_u(k, 32) < 0.99 then 'Purchase' else 'purchase' end as name,
    case when bench_u(k, 33) < 0.94 then bench_pid(k) when bench_u(k, 33) < 0.98 then 'srv-' || k end as eid,
    case when rep then 'sent' when bench_u(k, 35) < 0.93 then 'sent' when bench_u(k, 35) < 0.96 then 'rejected'
         when bench_u(k, 35) < 0.98 then 'queued' when bench_u(k, 35) < 0.99 then 'dead' else 'observed' end as delivery
  from (select k, false as rep from generate_series(1, ${n}::bigint) k where bench_u(k, 30) < 0.88
        union all
        select k, true from generate_series(1, ${n}::bigint) k where bench_u(k, 30) < 0.88 and bench_u(k, 34) < 0.057) s
) x
union all
select '${STORE_ID}', timestamptz '${WEEK_START}' + bench_u(j, 45) * interval '7 days', 'relay',
  timestamptz '${WEEK_START}' + bench_u(j, 45) * interval '7 days', 'CompletePayment', 'other-' || j,
  case when bench_u(j, 46) < 0.5 then 'other-' || j end, null, 25, 'USD',
  true, false, false, false, true, true, true, '{}'::text[], '{}'::text[], 'sent', 0, null::text
from generate_series(1, ${Math.round(n * 0.07)}::bigint) j`;

const DAILY_SQL = (n: number) => `
insert into tiktok_daily_counts (store_id, day, total, browser, server, attributed, event_type)
select '${STORE_ID}', d::date, t, (t * 0.55)::int, t - (t * 0.55)::int, (t * 0.31)::int, 'CompletePayment'
from (select d, (${n} / 7.0 * (0.93 + 0.02 * extract(isodow from d)))::int as t
      from generate_series(date '${WEEK.from}', date '${WEEK.to}', interval '1 day') d) x`;

/** The tables loaded in bulk, each on its own connection, in parallel. */
const BULK: { table: string; sql: (n: number) => string }[] = [
  { table: 'orders', sql: ORDERS_SQL },
  { table: 'server_events', sql: SERVER_SQL },
  { table: 'browser_events', sql: BROWSER_SQL },
];

async function load(url: string): Promise<void> {
  const setup = postgres(url, { max: 1, onnotice: () => {} });
  // Non-constraint indexes of the bulk tables: dropped for the load, recreated after from their exact definitions.
  const indexes = await setup<{ tablename: string; indexname: string; indexdef: string }[]>`
    select i.tablename, i.indexname, i.indexdef from pg_indexes i
    where i.schemaname = 'public' and i.tablename in ${setup(BULK.map((b) => b.table))}
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`;
  await setup.unsafe(SETUP_SQL(N));
  for (const ix of indexes) await setup.unsafe(`drop index ${ix.indexname}`);
  await setup.unsafe(DAILY_SQL(N));
  await setup.end();

  const t0 = now();
  const lines = await Promise.all(
    BULK.map(async ({ table: name, sql: text }) => {
      // Scratch database, consistent by construction: no FK triggers; indexes built once, after the rows.
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`set session_replication_role = replica; set maintenance_work_mem = '256MB'; set synchronous_commit = off`);
        let t = now();
        const r = await sql.unsafe(text(N));
        const insertMs = now() - t;
        t = now();
        const own = indexes.filter((ix) => ix.tablename === name);
        for (const ix of own) await sql.unsafe(ix.indexdef);
        const indexMs = now() - t;
        t = now();
        await sql.unsafe(`vacuum analyze ${name}`);
        return `  ${name.padEnd(15)} ${fmtInt(r.count).padStart(10)} rows: insert ${fmtS(insertMs)}, ${own.length} indexes ${fmtS(indexMs)}, vacuum analyze ${fmtS(now() - t)}`;
      } finally {
        await sql.end();
      }
    }),
  );
  for (const l of lines) console.log(l);
  console.log(`  loaded in ${fmtS(now() - t0)} (three connections in parallel)`);
}

/** The baseline: one hand-written join over the same orders and their server events. */
const BASELINE_SQL = `
select count(*)::int as n, count(se.id)::int as with_server
from orders o
left join server_events se on se.store_id = o.store_id and se.order_id = o.platform_id
where o.store_id = $1 and o.processed_at >= $2::timestamptz and o.processed_at < $3::timestamptz`;

interface Timed {
  min: number;
  median: number;
  all: number[];
}
const timed = (all: number[]): Timed => ({ min: Math.min(...all), median: median(all), all });

// ---------------------------------------------------------------------------------------------
// HTTP latency
// ---------------------------------------------------------------------------------------------

interface Latency {
  n: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  bytes: number;
}

async function getOnce(url: string): Promise<{ ms: number; ok: boolean; bytes: number }> {
  const t = now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  return { ms: now() - t, ok: res.ok, bytes: body.byteLength };
}

async function latency(url: string, total: number, workers: number): Promise<Latency> {
  const times: number[] = [];
  let errors = 0;
  let bytes = 0;
  let left = total;
  const t0 = now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (left-- > 0) {
        const r = await getOnce(url);
        times.push(r.ms);
        bytes = r.bytes;
        if (!r.ok) errors++;
      }
    }),
  );
  const wall = now() - t0;
  times.sort((a, b) => a - b);
  return { n: times.length, errors, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), rps: times.length / (wall / 1000), bytes };
}

/** Weekly snapshots for `weeks` weeks ending with WEEK (older ones are copies of the real report), plus a rolling-7. */
async function saveSnapshots(db: import('@/db/client').Db, storeId: string, report: HealthReport, weeks: number): Promise<void> {
  for (let w = weeks - 1; w >= 0; w--) {
    const from = addDays(WEEK.from, -7 * w);
    const to = addDays(WEEK.to, -7 * w);
    await saveSnapshot(db, { storeId, kind: 'weekly', from, to, report: { ...report, store: storeId, from, to } });
  }
  await saveSnapshot(db, { storeId, kind: 'rolling7', from: WEEK.from, to: WEEK.to, report: { ...report, store: storeId } });
}

async function dashboard(url: string, report: HealthReport): Promise<void> {
  heading('Dashboard API on the real app (snapshots, no recomputation)');
  ensureNextBuild();
  const handle = await openDatabase({ url }, { max: 2 });
  // A reused (--db) database still holds the extra stores of its last run: the 1-store figures need them gone.
  await handle.db.execute(dsql`delete from stores where id like ${`${STORE_ID}-%`}`);
  await saveSnapshots(handle.db, STORE_ID, report, 26);
  const metricsBytes = Buffer.byteLength(JSON.stringify(report));
  console.log(`  saved 26 weekly + 1 rolling-7 snapshot for ${STORE_ID} (metrics JSON ${fmtInt(metricsBytes)} bytes each)`);

  const t0 = now();
  const app = await startChild(join(ROOT, 'bench/lib/app-server.ts'), { DATABASE_URL: url, SIGNALWATCH_SCHEDULER: 'off' });
  console.log(`  app started in ${fmtS(now() - t0)}`);
  const base = `http://127.0.0.1:${app.port}`;
  const rows: (string | number)[][] = [['', 'mode', 'requests', 'err', 'p50', 'p95', 'p99', 'req/s', 'bytes']];
  const p95: Record<string, { seq: number; conc: number }> = {};
  const run = async (key: string, label: string, path: string, sequential: number, concurrent: number) => {
    const seq = await latency(base + path, sequential, 1);
    const conc = await latency(base + path, concurrent, WORKERS);
    rows.push([label, 'sequential', seq.n, seq.errors, fmtMs(seq.p50), fmtMs(seq.p95), fmtMs(seq.p99), fmtInt(seq.rps), fmtInt(seq.bytes)]);
    rows.push(['', `${WORKERS} concurrent`, conc.n, conc.errors, fmtMs(conc.p50), fmtMs(conc.p95), fmtMs(conc.p99), fmtInt(conc.rps), fmtInt(conc.bytes)]);
    p95[key] = { seq: seq.p95, conc: conc.p95 };
    if (seq.errors || conc.errors) process.exitCode = 1;
  };
  const dashPath = `/api/v1/stores/${STORE_ID}/dashboard`;
  try {
    for (const path of ['/api/health', '/api/v1/overview', dashPath]) for (let i = 0; i < 20; i++) await getOnce(base + path); // warm each route
    await run('health', '/api/health (baseline: Next route, no query)', '/api/health', Math.min(SEQUENTIAL, 200), CONCURRENT);
    await run('overview', '/api/v1/overview (1 store)', '/api/v1/overview', SEQUENTIAL, CONCURRENT);
    await run('dashboard', dashPath, dashPath, SEQUENTIAL, CONCURRENT);

    // An agency: STORES stores, each with its snapshots (the overview reads every store's latest).
    if (STORES > 1) {
      const t = now();
      for (let s = 1; s < STORES; s++) {
        const id = `bench-store-${String(s).padStart(3, '0')}`;
        // (already there when reusing a kept database)
        await createStore(handle.db, { id, name: `Bench Store ${s}`, platform: 'custom', timezone: 'UTC', currency: 'USD' }, 'bench').catch((err: { code?: string }) => {
          if (err.code !== 'conflict') throw err;
        });
        await saveSnapshots(handle.db, id, report, 4);
      }
      console.log(`  added ${STORES - 1} stores with 4 weekly + 1 rolling-7 snapshots each in ${fmtS(now() - t)}`);
      for (let i = 0; i < 10; i++) await getOnce(`${base}/api/v1/overview`);
      await run('overviewMany', `/api/v1/overview (${STORES} stores)`, '/api/v1/overview', Math.min(SEQUENTIAL, 100), Math.min(CONCURRENT, 100));
    }
  } finally {
    await app.stop();
    await handle.close();
  }
  console.log(`  (load average ${loadAverage()})`);
  table(rows);
  const verdict = (k: string) => (p95[k]!.seq < 200 && p95[k]!.conc < 200 ? 'met' : 'NOT met');
  const ratio = (k: string) => `${fmtRatio(p95[k]!.seq / p95.health!.seq)} / ${fmtRatio(p95[k]!.conc / p95.health!.conc)}`;
  console.log(`  p95 vs /api/health on the same server (sequential / ${WORKERS} concurrent): overview ${ratio('overview')}, dashboard ${ratio('dashboard')}` +
    (p95.overviewMany ? `, overview with ${STORES} stores ${ratio('overviewMany')}` : ''));
  console.log(`  target p95 < 200 ms (sequential and ${WORKERS} concurrent): overview ${verdict('overview')}, dashboard ${verdict('dashboard')}` +
    (p95.overviewMany ? `, overview with ${STORES} stores ${verdict('overviewMany')}` : ''));
}

// ---------------------------------------------------------------------------------------------

console.log(`Signalwatch reconcile bench — ${new Date().toISOString()}; ${await machineLine()}`);
const reuse = args.db;
const scratch: ScratchDb = reuse ? { name: reuse, url: databaseUrl(reuse), drop: async () => {} } : await createScratchDb('sw_bench_reconcile');
try {
  const handle = await openDatabase({ url: scratch.url }, { max: 4 });
  if (reuse) {
    heading(`Reusing database ${reuse} (loaded by an earlier --keep-db run)`);
  } else {
    heading(`Load: ${fmtInt(N)} orders, ≈${fmtInt(N)} browser + ≈${fmtInt(N)} server events, week ${WEEK.from}..${WEEK.to}`);
    await migrate(handle);
    await createStore(handle.db, { id: STORE_ID, name: 'Bench Store', platform: 'shopify', shop_domain: 'bench-store.myshopify.com', timezone: 'UTC', currency: 'USD', phone_country: 'US' }, 'bench');
    await load(scratch.url);
  }

  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  const [sizes] = await sql<{ orders: number; browser: number; server: number; db: string }[]>`
    select (select count(*)::int from orders) as orders, (select count(*)::int from browser_events) as browser,
           (select count(*)::int from server_events) as server, pg_size_pretty(pg_database_size(current_database())) as db`;
  console.log(`  rows: orders ${fmtInt(sizes!.orders)}, browser_events ${fmtInt(sizes!.browser)}, server_events ${fmtInt(sizes!.server)}; database ${sizes!.db}`);

  heading(`computeHealth(${STORE_ID}, ${WEEK.from}..${WEEK.to}) × ${RUNS} vs a hand-written count(*) join × ${RUNS}`);
  const { start, end } = windowBounds(WEEK);
  const baselineMs: number[] = [];
  const healthMs: number[] = [];
  let baselineRow: { n: number; with_server: number } | undefined;
  let report: HealthReport | undefined;
  let healthCpu = { pg: 0, self: 0 };
  let baseCpu = { pg: 0 };
  // Interleaved, so both see the same cache state and machine load.
  for (let r = 0; r < RUNS; r++) {
    const b = await withCpu(scratch.name, undefined, () => sql.unsafe(BASELINE_SQL, [STORE_ID, start.toISOString(), end.toISOString()]));
    baselineMs.push(b.wallMs);
    baseCpu = { pg: baseCpu.pg + b.pgCpuMs };
    baselineRow = b.result[0] as unknown as { n: number; with_server: number };
    const h = await withCpu(scratch.name, undefined, () => computeHealth(handle.db, { ...WEEK, storeId: STORE_ID, now: new Date('2026-01-01T00:00:00Z') }));
    healthMs.push(h.wallMs);
    healthCpu = { pg: healthCpu.pg + h.pgCpuMs, self: healthCpu.self + h.selfCpuMs };
    report = h.result;
    console.log(`  run ${r + 1}: baseline ${fmtMs(b.wallMs)}, computeHealth ${fmtMs(h.wallMs)}`);
  }
  const base = timed(baselineMs);
  const health = timed(healthMs);
  console.log(`  (load average ${loadAverage()})`);
  table([
    ['', 'min', 'median', 'PG CPU/run', 'Node CPU/run'],
    ['baseline count(*) join', fmtMs(base.min), fmtMs(base.median), fmtMs(baseCpu.pg / RUNS), '—'],
    ['computeHealth', fmtMs(health.min), fmtMs(health.median), fmtMs(healthCpu.pg / RUNS), fmtMs(healthCpu.self / RUNS)],
  ]);
  console.log(
    `  computeHealth/baseline: ${fmtRatio(health.median / base.median)} (median), ${fmtRatio(health.min / base.min)} (min); ` +
      `target < 10 s: ${health.median < 10_000 ? 'met' : 'NOT met'} (median ${fmtS(health.median)})`,
  );
  const r = report!;
  console.log(
    `  sanity: baseline orders ${fmtInt(baselineRow!.n)} rows joined; report orders ${fmtInt(r.orders)} in scope, browser ${fmtInt(r.counts.browser)}, server ${fmtInt(r.counts.server)}, ` +
      `both ${fmtInt(r.counts.both)}, double counts ${fmtInt(r.doubleCounts)}, dedup ${((r.dedupRate ?? 0) * 100).toFixed(1)}%, ` +
      `reported ${fmtInt(r.reported ?? 0)}, unlinked server ${fmtInt(r.counts.unlinkedServerEvents)} / browser ${fmtInt(r.counts.unlinkedBrowserEvents)}, ` +
      `lint codes ${Object.keys(r.normalizationErrors).length}`,
  );
  if (r.orders < sizes!.orders * 0.9 || r.counts.both === 0 || r.doubleCounts === 0) {
    console.log('  sanity: UNEXPECTED report (data generation and report disagree)');
    process.exitCode = 1;
  }

  if (args.breakdown || args.explain) {
    const params = { storeId: STORE_ID, start, end, from: WEEK.from, to: WEEK.to };
    await handle.db.transaction(
      async (tx) => {
        await tx.execute(
          (await import('drizzle-orm')).sql`select set_config('work_mem', ${process.env.HW_WORK_MEM ?? '64MB'}, true), set_config('jit', 'off', true)`,
        );
        const parts: [string, () => Promise<unknown>][] = [
          ['orderAggregates', () => orderAggregates(tx, params)],
          ['eventAggregates', () => eventAggregates(tx, params)],
          ['dailyCounts', () => dailyCounts(tx, params)],
        ];
        const out: string[] = [];
        for (const [name, fn] of parts) {
          const t = now();
          await fn();
          out.push(`${name} ${fmtMs(now() - t)}`);
        }
        console.log(`  breakdown (one run, same transaction settings): ${out.join(', ')}`);
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }
  if (args.explain) {
    // The statements as computeHealth sends them, captured from the driver.
    const captured: string[] = [];
    let capturing = true;
    const spy = postgres(scratch.url, {
      max: 1,
      onnotice: () => {},
      debug: (_c, q, p) => {
        if (capturing && /^\s*(with|select)\b/i.test(q) && q.length > 400) captured.push(JSON.stringify({ q, p }));
      },
    });
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { schema } = await import('@/db/schema');
    await computeHealth(drizzle(spy, { schema }) as unknown as import('@/db/client').Db, { ...WEEK, storeId: STORE_ID });
    capturing = false;
    for (const c of captured) {
      const { q, p } = JSON.parse(c) as { q: string; p: unknown[] };
      await spy.begin(async (tx) => {
        await tx.unsafe(`set local work_mem = '${process.env.HW_WORK_MEM ?? '64MB'}'; set local jit = off`);
        const plan = await tx.unsafe(`explain (analyze, buffers) ${q}`, p as never[]);
        console.log(`\n--- EXPLAIN ${q.trim().slice(0, 40).replace(/\s+/g, ' ')}…\n${plan.map((x) => (x as Record<string, string>)['QUERY PLAN']).join('\n')}`);
      });
    }
    await spy.end();
  }
  await sql.end();
  await handle.close();

  if (!args['skip-dashboard']) await dashboard(scratch.url, r);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  if (args['keep-db'] || reuse) {
    keepScratch(scratch);
    console.log(`\nkept database ${scratch.name}: rerun with --db ${scratch.name}; drop it with: psql ${ADMIN_URL} -c 'drop database ${scratch.name} with (force)'`);
  } else {
    await scratch.drop();
  }
  await dropAllScratch();
}
