/**
 * `npx tsx bench/ingest.ts`: the two hot ingest paths of server.ts under concurrent load, on
 * Postgres and on PGlite, each next to a baseline measured in the same run:
 *  - POST /api/collect (50 connections) vs a bare node:http server doing the same JSON parse and
 *    batched insert into the same database; every accepted beacon is counted in the database.
 *  - the relay (→ fake TikTok) vs calling the fake TikTok directly; every answered event is
 *    counted in server_events.
 * Each load also prints the CPU ms per request of the server process (and of the Postgres
 * backends serving the scratch database): wall clock moves with the machine's load, CPU much less.
 * Options: --seconds N (default 10), --connections C (default 50), --skip-pglite, --skip-postgres,
 * --skip-relay (only /api/collect and its baseline, e.g. for a CPU profile of that path alone).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import postgres from 'postgres';
import {
  benchEnv,
  createScratchDb,
  dropAllScratch,
  ensureNextBuild,
  fmtInt,
  fmtMs,
  fmtRatio,
  gitState,
  heading,
  loadAverage,
  pgBackendCpu,
  pgCpuDelta,
  postgresVersion,
  procCpuMs,
  ROOT,
  startChild,
  table,
} from './lib/common';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'skip-pglite': { type: 'boolean', default: false },
    'skip-postgres': { type: 'boolean', default: false },
    'skip-relay': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const PIXEL = 'CBENCHPIXEL00000001';
const EVENTS_TOKEN = 'bench-events-token';

interface Load {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
  /** CPU ms per request: the server process, and the Postgres backends (0 on PGlite). */
  nodeCpu: number;
  pgCpu: number;
}

async function load(
  url: string,
  connections: number,
  body: () => string,
  headers: Record<string, string>,
  okStatus: number,
  cpu: { pid?: number; database?: string } = {},
): Promise<Load> {
  let ok = 0;
  let other = 0;
  const node0 = cpu.pid ? procCpuMs(cpu.pid) : 0;
  const pg0 = cpu.database ? await pgBackendCpu(cpu.database) : new Map<number, number>();
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => ({ ...req, method: 'POST', body: body(), headers: { 'content-type': 'application/json', ...headers } }),
        onResponse: (status: number) => void (status === okStatus ? ok++ : other++),
      },
    ],
  } as autocannon.Options);
  const nodeMs = cpu.pid ? procCpuMs(cpu.pid) - node0 : 0;
  const pgMs = cpu.database ? pgCpuDelta(pg0, await pgBackendCpu(cpu.database)) : 0;
  const n = Math.max(1, result.requests.total);
  return { rps: result.requests.total / (result.duration || 1), p50: result.latency.p50, p99: result.latency.p99, ok, other, nodeCpu: nodeMs / n, pgCpu: pgMs / n };
}

const beacon = (publicKey: string) => () =>
  JSON.stringify({
    v: 1,
    store: publicKey,
    id: randomBytes(9).toString('base64url'),
    order_id: String(Math.floor(Math.random() * 1e9)),
    events: [{ name: 'CompletePayment', event_id: 'x', order_id: 'x' }],
    page: { url: 'https://shop.example/thank_you', load_ms: 1200 },
    pixel: { loaded: true, tracked: true, request_seen: true },
    probe: 'ok',
    consent: 'granted',
    ttclid: true,
    ttp: true,
  });

let seq = 0;
const eventsBody = () =>
  JSON.stringify({
    event_source: 'web',
    event_source_id: PIXEL,
    data: [
      {
        event: 'CompletePayment',
        event_time: Math.floor(Date.now() / 1000),
        event_id: `bench-${process.pid}-${seq++}`,
        user: { email: 'a'.repeat(64), ip: '203.0.113.7', user_agent: 'Mozilla/5.0' },
        properties: { currency: 'USD', value: 10, order_id: String(seq) },
      },
    ],
  });

async function countRows(target: 'postgres' | 'pglite', dbUrl: string | undefined, dataDir: string, table: string): Promise<number> {
  if (dbUrl) {
    const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
    const [row] = await sql.unsafe(`select count(*)::int as n from ${table}`);
    await sql.end();
    return row!.n as number;
  }
  const { openDatabase } = await import('../db/client');
  const h = await openDatabase({ dataDir: join(dataDir, 'pglite') });
  const { rows } = await ((h.db as unknown as { $client: { query: (q: string) => Promise<{ rows: { n: number }[] }> } }).$client.query(`select count(*)::int as n from ${table}`));
  await h.close();
  void target;
  return rows[0]!.n;
}

async function run(target: 'postgres' | 'pglite') {
  const scratch = target === 'postgres' ? await createScratchDb('sw_bench_ingest') : undefined;
  const env = benchEnv({ DATABASE_URL: scratch?.url ?? '' });
  // The store, created while no server holds the database.
  const { openDatabase } = await import('../db/client');
  const { migrate } = await import('../db/migrate');
  const { createStore, setStoreSecret } = await import('../lib/stores');
  const { resetEnvCache } = await import('../lib/config/env');
  const { resetSecretKeyCache } = await import('../lib/config/secrets');
  resetEnvCache();
  resetSecretKeyCache();
  const setup = scratch ? await openDatabase({ url: scratch.url }) : await openDatabase({ dataDir: join(env.SIGNALWATCH_DATA_DIR!, 'pglite') });
  await migrate(setup);
  const { store } = await createStore(setup.db, {
    name: 'Bench Shop', platform: 'custom', timezone: 'UTC', currency: 'USD', pixel_code: PIXEL, relay_mode: 'forward',
  });
  await setStoreSecret(setup.db, store.id, 'tiktok_events_token', EVENTS_TOKEN);
  await setup.close();

  const fake = await startChild(join(ROOT, 'bench/lib/fake-tiktok-server.ts'), { BENCH_PIXEL_CODE: PIXEL, BENCH_EVENTS_TOKEN: EVENTS_TOKEN });
  const fakeUrl = `http://127.0.0.1:${fake.port}`;
  const childEnv = { ...env, DATABASE_URL: scratch?.url ?? '', TIKTOK_API_BASE_URL: fakeUrl, BENCH_STORE_ID: store.id };

  heading(`${target}: load average ${loadAverage()}`);
  const app = await startChild(join(ROOT, 'bench/lib/app-server.ts'), childEnv);
  const appUrl = `http://127.0.0.1:${app.port}`;
  const collect = await load(`${appUrl}/api/collect`, CONNECTIONS, beacon(store.public_key), {}, 202, { pid: app.child.pid, database: scratch?.name });
  // Added latency is compared one request at a time (under saturation p50 is queueing, not cost);
  // throughput at 20 connections.
  const none: Load = { rps: 0, p50: 0, p99: 0, ok: 0, other: 0, nodeCpu: 0, pgCpu: 0 };
  const skipRelay = args['skip-relay'];
  const relayUrl = `${appUrl}/api/tiktok/open_api/v1.3/event/track/`;
  const relay = skipRelay ? none : await load(relayUrl, 1, eventsBody, { 'access-token': EVENTS_TOKEN }, 200);
  const direct = skipRelay ? none : await load(`${fakeUrl}/open_api/v1.3/event/track/`, 1, eventsBody, { 'access-token': EVENTS_TOKEN }, 200);
  const relayLoaded = skipRelay ? none : await load(relayUrl, 20, eventsBody, { 'access-token': EVENTS_TOKEN }, 200, { pid: app.child.pid, database: scratch?.name });
  await app.stop();
  const beaconRows = await countRows(target, scratch?.url, env.SIGNALWATCH_DATA_DIR!, 'browser_events');
  const eventRows = await countRows(target, scratch?.url, env.SIGNALWATCH_DATA_DIR!, 'server_events');

  const baselineServer = await startChild(join(ROOT, 'bench/lib/collect-baseline-server.ts'), childEnv);
  const baseline = await load(`http://127.0.0.1:${baselineServer.port}/`, CONNECTIONS, beacon(store.public_key), {}, 202, {
    pid: baselineServer.child.pid,
    database: scratch?.name,
  });
  await baselineServer.stop();
  await fake.stop();

  const cpu = (l: Load) => `${Math.round(l.nodeCpu * 1000)}${target === 'postgres' ? ` + ${Math.round(l.pgCpu * 1000)}` : ''} µs`;
  const rows = [
    ['', 'req/s', 'p50', 'p99', target === 'postgres' ? 'CPU/req node + PG' : 'CPU/req', 'answered', 'in the database'],
    [`/api/collect (${CONNECTIONS} conn.)`, fmtInt(collect.rps), fmtMs(collect.p50), fmtMs(collect.p99), cpu(collect), `${fmtInt(collect.ok)} × 202, ${collect.other} other`, fmtInt(beaconRows)],
    [`baseline node:http + batched insert`, fmtInt(baseline.rps), fmtMs(baseline.p50), fmtMs(baseline.p99), cpu(baseline), `${fmtInt(baseline.ok)} × 202`, ''],
  ];
  if (!skipRelay)
    rows.push(
      ['relay → fake TikTok (1 conn.)', fmtInt(relay.rps), fmtMs(relay.p50), fmtMs(relay.p99), '', `${fmtInt(relay.ok)} × 200, ${relay.other} other`, ''],
      ['fake TikTok directly (1 conn.)', fmtInt(direct.rps), fmtMs(direct.p50), fmtMs(direct.p99), '', `${fmtInt(direct.ok)} × 200`, ''],
      ['relay → fake TikTok (20 conn.)', fmtInt(relayLoaded.rps), fmtMs(relayLoaded.p50), fmtMs(relayLoaded.p99), cpu(relayLoaded), `${fmtInt(relayLoaded.ok)} × 200, ${relayLoaded.other} other`, fmtInt(eventRows)],
    );
  table(rows);
  const ratio = collect.rps / baseline.rps;
  console.log(`  collect vs baseline: ${fmtRatio(ratio)} (target ≥ 0.6×); ≥ 5,000 req/s with p99 < 50 ms: ${collect.rps >= 5000 && collect.p99 < 50 ? 'met' : 'NOT met'}`);
  if (!skipRelay)
    console.log(`  relay adds ${fmtMs(relay.p50 - direct.p50)} at p50 over calling TikTok directly (target < 3 ms): ${relay.p50 - direct.p50 < 3 ? 'met' : 'NOT met'}`);
  // Requests still in flight when the load stops are processed but not counted by autocannon.
  const relayOk = relay.ok + relayLoaded.ok;
  const lost = beaconRows < collect.ok || beaconRows > collect.ok + CONNECTIONS || eventRows < relayOk || eventRows > relayOk + 21;
  console.log(`  row counts: ${lost ? 'MISMATCH' : 'OK'} (beacons answered 202: ${collect.ok}, rows ${beaconRows}; relay answers ${relayOk}, server events ${eventRows}; in-flight requests at the stop add up to the connection count)`);
  await scratch?.drop();
  return !lost;
}

console.log(`Signalwatch ingest bench — ${new Date().toISOString()}; ${gitState()}; Node ${process.version}; Postgres ${await postgresVersion()}; ${SECONDS} s per load`);
ensureNextBuild();
let ok = true;
try {
  if (!args['skip-postgres']) ok = (await run('postgres')) && ok;
  if (!args['skip-pglite']) ok = (await run('pglite')) && ok;
} finally {
  await dropAllScratch();
}
process.exit(ok ? 0 : 1);
