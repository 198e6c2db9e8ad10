/**
 * `npm run demo`: Signalwatch on a simulated world, ready to click through.
 *
 * On its own embedded data dir (`.demo-data`, reset on every run), with a fake TikTok and two fake
 * Shopify shops in this process, it creates two stores, simulates 8 weeks of orders ending
 * yesterday (the shopper simulator in sandbox/simulator, with two releases that break tracking),
 * seeds that history through the same functions the HTTP doors call, records the release
 * markers, runs the real jobs (orders sync, TikTok counts, weekly and rolling-7 snapshots), then
 * starts the app and keeps a trickle of live traffic going through HTTP until Ctrl-C.
 *
 * `seedDemo()` is the seeding on its own (a Playwright test can seed a smaller world with it).
 * App modules read the environment once, so they are imported only after it is set.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import {
  deliverPixelEvents,
  demoProfiles,
  nextOrder,
  pixelEventsOf,
  serverBatches,
  simulateShop,
  type ShopProfile,
  type SimulatedOrder,
  type SimulatedShop,
} from '@/sandbox/simulator';
import { restPayloadFor, sendWebhooks, startFakeShopify, type FakeShopify } from '@/sandbox/shopify';
import { startFakeTikTok, type FakeTikTok } from '@/sandbox/tiktok/server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_DEMO_DATA_DIR = join(ROOT, '.demo-data');
/** Fixed so the demo's encrypted secrets stay readable across restarts; never use it for real data. */
export const DEMO_SECRET = 'signalwatch-demo-secret-do-not-use-in-production';
const MARKER = '.signalwatch-demo';
const DAY_MS = 86_400_000;
const LIVE_INTERVAL_MS = 5_000;

interface DemoStoreSpec {
  key: 'a' | 'b';
  id: string;
  shopDomain: string;
  timezone: string;
  advertiserId: string;
  pixelCode: string;
  pixelId: string;
  eventsToken: string;
  marketingToken: string;
  shopifyToken: string;
  webhookSecret: string;
  /** Share of the requested orders per day. */
  volume: number;
  firstOrderId: number;
}

const STORE_SPECS: DemoStoreSpec[] = [
  {
    key: 'a',
    id: 'northwind',
    shopDomain: 'northwind-apparel.myshopify.com',
    timezone: 'America/New_York',
    advertiserId: '7000000000000000101',
    pixelCode: 'CNORTHWIND0PIXEL0001',
    pixelId: '7300000000000000101',
    eventsToken: 'demo-events-token-northwind',
    marketingToken: 'demo-marketing-token-northwind',
    shopifyToken: 'shpat_demo_northwind',
    webhookSecret: 'demo-webhook-secret-northwind',
    volume: 1.1,
    firstOrderId: 5_610_000_000_001,
  },
  {
    key: 'b',
    id: 'bluebird',
    shopDomain: 'bluebird-botanicals.myshopify.com',
    timezone: 'America/Los_Angeles',
    advertiserId: '7000000000000000202',
    pixelCode: 'CBLUEBIRD00PIXEL0002',
    pixelId: '7300000000000000202',
    eventsToken: 'demo-events-token-bluebird',
    marketingToken: 'demo-marketing-token-bluebird',
    shopifyToken: 'shpat_demo_bluebird',
    webhookSecret: 'demo-webhook-secret-bluebird',
    volume: 0.85,
    firstOrderId: 5_720_000_000_001,
  },
];

export interface SeedDemoOptions {
  /** Default `.demo-data` in the repo; reset (with a notice) when it holds an earlier demo. */
  dataDir?: string;
  /** Whole ISO weeks of history before the current week (default 8); the current week up to yesterday is added. */
  weeks?: number;
  /** Mean orders per day of the bigger store (default 120; the other gets ~80% of it). */
  ordersPerDay?: number;
  /** The demo's present (default: now). History ends at 00:00 UTC of its day. */
  now?: Date;
  seed?: number;
  onProgress?: (line: string) => void;
}

export interface DemoStore {
  id: string;
  name: string;
  shopDomain: string;
  publicKey: string;
  ingestKey: string;
  pixelCode: string;
  eventsToken: string;
  webhookSecret: string;
  shopify: FakeShopify;
  shop: SimulatedShop;
}

export interface DemoWorld {
  dataDir: string;
  now: Date;
  /** First simulated instant (a Monday 00:00 UTC) and the end of history (exclusive). */
  start: Date;
  end: Date;
  tiktok: FakeTikTok;
  stores: DemoStore[];
  /** Weekly snapshot windows written for every store. */
  weeks: { from: string; to: string }[];
  /** Stops the fakes and closes the database (releasing the data dir). */
  close(): Promise<void>;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);
const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);

/** Removes an earlier demo's data dir; refuses a non-empty directory that is not one. */
async function resetDataDir(dataDir: string, progress: (line: string) => void): Promise<void> {
  const { otherLiveHolder } = await import('@/lib/config/datadir');
  if (existsSync(dataDir)) {
    const holder = otherLiveHolder(dataDir);
    if (holder) {
      throw new Error(`${dataDir} is in use by another Signalwatch process (pid ${holder.pid}${holder.port ? `, port ${holder.port}` : ''}); stop it first`);
    }
    const entries = readdirSync(dataDir);
    if (entries.length && !entries.includes(MARKER)) {
      throw new Error(`${dataDir} is not empty and was not created by the demo; refusing to delete it (pass another data dir)`);
    }
    if (entries.length) progress(`notice: resetting the demo data dir ${dataDir} (every run starts from a fresh world)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, MARKER), 'Created by `npm run demo`; deleted and recreated on every run.\n');
}

async function loadApp() {
  const [env, secrets, database, datadir, stores, releases, browserEvents, collect, userAgent, sync, relay, counts, health, ordersJob, tiktokJob, scheduler] =
    await Promise.all([
      import('@/lib/config/env'),
      import('@/lib/config/secrets'),
      import('@/lib/config/database'),
      import('@/lib/config/datadir'),
      import('@/lib/stores'),
      import('@/db/queries/releases'),
      import('@/db/queries/browser-events'),
      import('@/lib/ingest/collect'),
      import('@/lib/ingest/user-agent'),
      import('@/lib/commerce/sync'),
      import('@/lib/relay/relay'),
      import('@/lib/tiktok/counts-sync'),
      import('@/lib/health'),
      import('@/jobs/orders-sync'),
      import('@/jobs/tiktok-sync'),
      import('@/jobs/scheduler'),
    ]);
  env.resetEnvCache();
  secrets.resetSecretKeyCache();
  return { env, database, datadir, stores, releases, browserEvents, collect, userAgent, sync, relay, counts, health, ordersJob, tiktokJob, scheduler };
}

/** Seeds the demo world; see the file comment. Prints one line per step through `onProgress`. */
export async function seedDemo(opts: SeedDemoOptions = {}): Promise<DemoWorld> {
  const progress = opts.onProgress ?? (() => {});
  const began = Date.now();
  const step = (line: string) => progress(`  ${line} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DEMO_DATA_DIR);
  const now = opts.now ?? new Date();
  const weeks = opts.weeks ?? 8;
  const ordersPerDay = opts.ordersPerDay ?? 120;
  const seed = opts.seed ?? 2026;

  await resetDataDir(dataDir, progress);
  process.env.SIGNALWATCH_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  process.env.SIGNALWATCH_SECRET = DEMO_SECRET;

  // The window: whole ISO weeks, then the current week up to yesterday.
  const today = utcDay(now);
  const weekday = (dayStart(today).getUTCDay() + 6) % 7;
  const start = new Date(dayStart(today).getTime() - (weekday + 7 * weeks) * DAY_MS);
  const end = dayStart(today);

  const tiktok = await startFakeTikTok({
    pixels: STORE_SPECS.map((s) => ({
      advertiserId: s.advertiserId,
      pixelCode: s.pixelCode,
      pixelId: s.pixelId,
      pixelName: `${s.id} pixel`,
      eventsToken: s.eventsToken,
      marketingToken: s.marketingToken,
    })),
  });
  process.env.TIKTOK_API_BASE_URL = tiktok.url;
  const shopifies: FakeShopify[] = [];
  let relayServer: Server | undefined;
  let app: Awaited<ReturnType<typeof loadApp>> | undefined;

  const close = async () => {
    await new Promise<void>((r) => (relayServer ? relayServer.close(() => r()) : r()));
    await Promise.allSettled([tiktok.close(), ...shopifies.map((s) => s.close())]);
    if (app) {
      await app.database.closeDatabase();
      app.datadir.releaseDataDirLock(dataDir);
    }
  };

  try {
    app = await loadApp();
    const { db } = await app.database.database();
    progress(`Seeding the demo world in ${dataDir}: ${utcDay(start)} .. ${utcDay(new Date(end.getTime() - 1))}, fake TikTok at ${tiktok.url}`);

    const profiles = demoProfiles();
    // The story needs both releases inside the history, also in a smaller world.
    const [releaseA] = profiles.a.releases;
    const [releaseB] = profiles.b.releases;
    if (releaseA) releaseA.week = Math.max(1, Math.min(releaseA.week, weeks - 2));
    if (releaseB) releaseB.week = Math.max(1, Math.min(releaseB.week, weeks - 1));
    const stores: DemoStore[] = [];
    for (const spec of STORE_SPECS) {
      const profile: ShopProfile = profiles[spec.key];
      const shopify = await startFakeShopify({
        // A sandbox on a generous plan: the history is pulled in seconds, not minutes.
        mode: { accessToken: spec.shopifyToken, bucketMax: 50_000, restoreRate: 50_000, costPerOrder: 4, readAllOrders: true },
      });
      shopifies.push(shopify);
      const { store: view, ingestKey } = await app.stores.createStore(
        db,
        {
          id: spec.id,
          name: profile.name,
          platform: 'shopify',
          shop_domain: spec.shopDomain,
          base_url: shopify.url,
          timezone: spec.timezone,
          currency: profile.currency,
          phone_country: profile.phoneCountry,
          pixel_code: spec.pixelCode,
          advertiser_id: spec.advertiserId,
          event_id_template: profile.eventIdTemplate,
        },
        'demo',
      );
      for (const [name, value] of [
        ['shopify_access_token', spec.shopifyToken],
        ['shopify_webhook_secret', spec.webhookSecret],
        ['tiktok_events_token', spec.eventsToken],
        ['tiktok_marketing_token', spec.marketingToken],
      ] as const) {
        await app.stores.setStoreSecret(db, spec.id, name, value, 'demo');
      }
      const shop = simulateShop({
        seed,
        storeId: spec.id,
        start,
        weeks,
        end,
        ordersPerDay: Math.round(ordersPerDay * (spec.key === 'a' ? 1 : 0.8)),
        profile,
        pixelCode: spec.pixelCode,
        publicKey: view.public_key,
        firstOrderId: spec.firstOrderId,
      });
      stores.push({
        id: spec.id,
        name: profile.name,
        shopDomain: spec.shopDomain,
        publicKey: view.public_key,
        ingestKey,
        pixelCode: spec.pixelCode,
        eventsToken: spec.eventsToken,
        webhookSecret: spec.webhookSecret,
        shopify,
        shop,
      });
      const kinds = countBy(shop.orders, (o) => o.kind);
      step(`${profile.name} (${spec.id}): store created; simulated ${shop.orders.length} orders (${formatCounts(kinds)})`);
    }

    // Orders: into each fake Shopify, then pulled by the real sync (GraphQL, by processed_at day).
    for (const s of stores) {
      s.shopify.controls.addOrders(s.shop.orders.map((o) => o.shopifySeed));
      const store = await app.stores.requireStore(db, s.id);
      const summary = await app.sync.syncStoreOrders(db, store, { from: start, to: end, now });
      if (summary.incomplete.length) throw new Error(`order sync incomplete: ${JSON.stringify(summary.incomplete)}`);
      step(`${s.id}: orders pulled from the fake Shopify: ${summary.fetched} fetched, ${summary.new} new`);
    }

    // Browser leg: each confirmation-page beacon, through the collect route's own functions.
    for (const s of stores) {
      const rows = s.shop.orders.flatMap((o) =>
        o.beacon ? [app!.collect.toBrowserEventRow(s.id, app!.collect.parseBeacon(o.beacon.body), app!.userAgent.parseUserAgent(o.beacon.userAgent), o.beacon.receivedAt)] : [],
      );
      let inserted = 0;
      for (let i = 0; i < rows.length; i += 1000) inserted += await app.browserEvents.insertBrowserEvents(db, rows.slice(i, i + 1000));
      step(`${s.id}: ${inserted} beacons recorded`);
    }

    // Server leg: the shops' Events API requests, a day at a time, through the relay (which
    // records them and forwards them to the fake TikTok). Its clock follows the history.
    let seedClock = start.getTime();
    const relay = app.relay.createRelay({ db, tiktokBaseUrl: tiktok.url, clock: () => seedClock, autoDrain: false, log: (m) => progress(`  relay: ${m}`) });
    relayServer = createServer((req, res) => {
      void Promise.resolve(relay(req, res, new URL(req.url ?? '/', 'http://relay.local'))).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => relayServer!.listen(0, '127.0.0.1', () => r()));
    const relayUrl = `http://127.0.0.1:${(relayServer.address() as AddressInfo).port}${app.relay.RELAY_PATH}`;
    for (const s of stores) {
      const batches = serverBatches(s.shop.orders, s.pixelCode, { byDay: true });
      let events = 0;
      for (const batch of batches) {
        seedClock = batch.events[batch.events.length - 1]!.sentAt.getTime();
        // As any Events API client does: a 5xxxx answer means nothing was recorded; send again.
        let answer = await postJson(relayUrl, batch.body, { 'Access-Token': s.eventsToken });
        for (let attempt = 1; answer.code !== 0 && attempt < 3; attempt++) {
          await new Promise((r) => setTimeout(r, 500 * attempt));
          answer = await postJson(relayUrl, batch.body, { 'Access-Token': s.eventsToken });
        }
        if (answer.code !== 0) throw new Error(`relay answered ${JSON.stringify(answer).slice(0, 300)}`);
        events += batch.events.length;
      }
      step(`${s.id}: ${events} server events sent through the relay in ${batches.length} requests`);
    }
    await relay.close();
    await new Promise<void>((r) => relayServer!.close(() => r()));
    relayServer = undefined;

    // Pixel leg: what the browsers really sent to TikTok.
    for (const s of stores) {
      const delivered = await deliverPixelEvents(tiktok.url, pixelEventsOf(s.shop.orders));
      step(`${s.id}: ${delivered} pixel events delivered to the fake TikTok`);
    }

    // Release markers.
    for (const s of stores) {
      for (const r of s.shop.releases) {
        await app.releases.insertRelease(db, {
          storeId: s.id,
          kind: r.kind,
          name: r.name,
          description: r.description,
          source: 'demo',
          releasedAt: r.releasedAt,
          externalRef: r.externalRef,
        });
      }
      step(`${s.id}: ${s.shop.releases.length} release marker(s): ${s.shop.releases.map((r) => `${r.kind} ${utcDay(r.releasedAt)}`).join(', ')}`);
    }

    // Fresh tables have no statistics and PGlite runs no autovacuum: gather them once, or every
    // report (and the snapshots below) is planned blind.
    await db.execute(sql`analyze`);
    step('database statistics gathered (analyze)');

    // The real jobs: the incremental order pull and TikTok's last week, as the scheduler runs them
    // (recorded as job runs), and the full history of TikTok's counts.
    const fireTime = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const schedulerOptions = { db, jobs: [], log: (m: string) => progress(`  ${m}`), context: { tiktokBaseUrl: tiktok.url } };
    const ordersRun = await app.scheduler.runFire(schedulerOptions, app.ordersJob.ordersSync, fireTime);
    step(`job orders-sync: ${ordersRun.status} ${formatCounts(ordersRun.counts ?? {})}`);
    for (const s of stores) {
      const store = await app.stores.requireStore(db, s.id);
      const sync = await app.counts.syncTikTokCounts(db, store, {
        from: utcDay(start),
        to: utcDay(new Date(end.getTime() - 1)),
        baseUrl: tiktok.url,
        now,
      });
      if (sync.failedDays.length) throw new Error(`TikTok counts: ${JSON.stringify(sync.failedDays.slice(0, 3))}`);
      step(`${s.id}: TikTok's daily counts read for ${sync.fetched} days`);
    }
    const tiktokRun = await app.scheduler.runFire(schedulerOptions, app.tiktokJob.tiktokSync, fireTime);
    step(`job tiktok-sync: ${tiktokRun.status} ${formatCounts(tiktokRun.counts ?? {})}`);

    // Snapshots: every ISO week of the history, and the rolling 7 days.
    const weekWindows: { from: string; to: string }[] = [];
    for (let w = 0; w < weeks; w++) {
      const from = utcDay(new Date(start.getTime() + w * 7 * DAY_MS));
      weekWindows.push({ from, to: utcDay(new Date(start.getTime() + (w * 7 + 6) * DAY_MS)) });
    }
    const rolling = app.health.rolling7(now);
    for (const s of stores) {
      for (const w of weekWindows) await app.health.snapshotHealth(db, { storeId: s.id, kind: 'weekly', ...w, now });
      const { report } = await app.health.snapshotHealth(db, { storeId: s.id, kind: 'rolling7', ...rolling, now });
      step(
        `${s.id}: ${weekWindows.length} weekly snapshots + rolling 7 days (${rolling.from}..${rolling.to}: ${report.orders} orders, ` +
          `reported ${report.reported ?? 'n/a'}, dedup ${pct(report.dedupRate)}, browser coverage ${pct(report.browserCoverage)})`,
      );
    }

    progress(`Seeded in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
    return { dataDir, now, start, end, tiktok, stores, weeks: weekWindows, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

// ───────────────────────────── live traffic ─────────────────────────────

/** One new order through the app's HTTP doors: Shopify webhook, beacon, relay; the pixel to TikTok. */
async function liveOrder(appUrl: string, world: DemoWorld, s: DemoStore): Promise<string> {
  const o: SimulatedOrder = nextOrder(s.shop, new Date());
  const outcomes: string[] = [];
  const [fakeOrder] = s.shopify.controls.addOrders([o.shopifySeed]);
  const [delivery] = await sendWebhooks({
    targetUrl: `${appUrl}/api/webhooks/shopify`,
    secret: s.webhookSecret,
    shopDomain: s.shopDomain,
    deliveries: [{ topic: 'orders/create', payload: restPayloadFor(fakeOrder!) }],
  });
  outcomes.push(`webhook ${delivery?.attempts.at(-1) ?? '-'}`);
  if (o.beacon) {
    const res = await fetch(`${appUrl}/api/collect`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': o.beacon.userAgent },
      body: JSON.stringify(o.beacon.body),
    });
    await res.arrayBuffer();
    outcomes.push(`beacon ${res.status}`);
  }
  if (o.pixelEvent) await deliverPixelEvents(world.tiktok.url, [o.pixelEvent]);
  for (const batch of serverBatches([o], s.pixelCode)) {
    const answer = await postJson(`${appUrl}/api/tiktok/open_api/v1.3/event/track/`, batch.body, { 'Access-Token': s.eventsToken });
    outcomes.push(`relay code ${answer.code}`);
  }
  const device = o.shopper.device;
  const who = device ? `${device.browser} ${device.browserVersion} on ${device.os}` : o.kind;
  return `live: ${s.id} order ${o.name} (${o.kind}, ${who}${o.truth.browserFired ? ', pixel fired' : ''}): ${outcomes.join(', ')}`;
}

// ───────────────────────────── helpers ─────────────────────────────

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ code?: number; [k: string]: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  try {
    return JSON.parse(text) as { code?: number };
  } catch {
    return { code: -1, status: res.status, body: text.slice(0, 200) };
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const formatCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`);

let buildChild: { kill(): boolean } | undefined;

/** Builds the Next app when the build is missing or older than the sources (as `npm start` does). */
function buildIfNeeded(log: (line: string) => void): Promise<void> {
  const buildId = join(ROOT, '.next', 'BUILD_ID');
  const sources = ['app', 'components', 'lib', 'db', 'public', 'next.config.ts', 'package.json', 'tsconfig.json'];
  const newest = (path: string): number => {
    if (!existsSync(path)) return 0;
    const st = statSync(path);
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
  };
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  if (builtAt >= Math.max(...sources.map((s) => newest(join(ROOT, s))))) return Promise.resolve();
  log(builtAt ? 'Sources changed since the last build: rebuilding the app alongside the seeding…' : 'Building the app (once) alongside the seeding…');
  const started = Date.now();
  return new Promise((resolveBuild, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
      cwd: ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    buildChild = child;
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      buildChild = undefined;
      if (code === 0) {
        log(`  app built (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        resolveBuild();
      } else reject(new Error(`next build failed (exit ${code}):\n${output.slice(-4000)}`));
    });
  });
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const t0 = Date.now();
  // Set before anything reads it: the app's modules are imported by seedDemo and below.
  process.env.SIGNALWATCH_DATA_DIR = DEFAULT_DEMO_DATA_DIR;
  delete process.env.DATABASE_URL;
  process.env.SIGNALWATCH_SECRET = DEMO_SECRET;

  const build = buildIfNeeded(log);
  build.catch(() => {}); // awaited below; keeps an early failure from being unhandled
  const world = await seedDemo({ onProgress: log });
  await build;

  (process.env as Record<string, string>).NODE_ENV = 'production';
  const { startServer } = await import('../server');
  const started = await startServer({ quiet: true }).catch(async (err: NodeJS.ErrnoException) => {
    await world.close().catch(() => {});
    if (err.code === 'EADDRINUSE') throw new Error(`port ${process.env.PORT ?? 3000} is in use: stop what runs there or start the demo with PORT=<another port>`);
    throw err;
  });
  const appUrl = `http://localhost:${started.port}`;
  log('');
  log(`Signalwatch demo ready on ${appUrl}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  for (const s of world.stores) {
    log(`  ${s.name}: ${appUrl}/stores/${s.id}   ingest key ${s.ingestKey}`);
  }
  log(`  Northwind's checkout change (week 6) breaks deduplication; Bluebird's CSP (week 7) blocks the pixel.`);
  log(`  Live traffic: one order every ${LIVE_INTERVAL_MS / 1000} s through the webhook, beacon and relay doors. Ctrl-C stops.`);
  log('');

  let tick = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const store = world.stores[tick++ % world.stores.length]!;
    liveOrder(appUrl, world, store)
      .then(log, (err: Error) => log(`live: ${store.id}: ${err.message}`))
      .finally(() => (busy = false));
  }, LIVE_INTERVAL_MS);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) process.exit(1); // a second Ctrl-C: leave now
    stopping = true;
    clearInterval(timer);
    log('\nStopping the demo…');
    await started.close().catch((err: Error) => console.error(err.message));
    await world.close().catch(() => {});
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((err: Error) => {
    buildChild?.kill();
    console.error(`demo failed: ${err.message}`);
    process.exit(1);
  });
}
