/**
 * The browser leg's door (DESIGN.md §3 item 2): `POST /api/collect` receives the beacon that
 * public/signalwatch.js (or the Shopify custom pixel) sends on pagehide, and records one
 * `browser_events` row per beacon. The body is documented in docs/beacon.md.
 *
 * It is a hot path answered by server.ts itself (a FastRoute, not Next's router): no per-request
 * database query (store keys and user agents are cached), rows are written in batches by a
 * BatchWriter, and answers are small constant headers.
 *
 *   202  accepted (recorded at the next batch)      204  bot user agent: ignored, nothing recorded
 *   400  malformed JSON / invalid beacon            404  unknown store key
 *   405  not POST/OPTIONS   413  over 8 KB          415  not JSON or text/plain
 *   503  write queue full (database unreachable for a long while)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Db, DbKind } from '@/db/client';
import { insertBrowserEvents, type NewBrowserEvent } from '@/db/queries/browser-events';
import { getStoreByPublicKey } from '@/db/queries/stores';
import { AppError } from '@/lib/http/errors';
import { parseJson, readBody, sendError, type FastRoute } from '@/lib/http/node';
import { BatchWriter, type BatchWriterOptions, type BatchWriterStats } from './batch-writer';
import { parseUserAgent, type ParsedUserAgent } from './user-agent';

export const COLLECT_PATH = '/api/collect';
export const MAX_BEACON_BYTES = 8 * 1024;
/** TikTok's purchase event, under its current and legacy names. */
export const PURCHASE_EVENTS: ReadonlySet<string> = new Set(['CompletePayment', 'Purchase']);

const KEY_RE = /^[A-Za-z0-9_-]{4,64}$/;
const BEACON_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
const optionalText = (max: number) => z.string().max(max).nullish();
const optionalFlag = z.boolean().nullish();
/**
 * Postgres text cannot hold U+0000 or an unpaired surrogate half (JSON allows both): one such
 * value stored as-is would fail the INSERT of its whole batch on every retry, so nothing behind it
 * would ever be written. (A well-formed surrogate pair — an emoji — is one code point under /u.)
 */
const UNSTORABLE_RE = /[\u0000\p{Cs}]/u;
const storable = <S extends z.ZodString>(s: S) => s.refine((v) => !UNSTORABLE_RE.test(v), 'must not contain U+0000 or unpaired surrogates');
const storedText = (max: number) => storable(z.string().max(max)).nullish();

const beaconEventSchema = z.object({
  name: storable(z.string().min(1).max(64)),
  event_id: storedText(128),
  order_id: storedText(128),
});

/** The beacon body, version 1 (docs/beacon.md). Unknown keys are ignored (newer scripts). */
export const beaconSchema = z.object({
  v: z.literal(1),
  store: z.string().regex(KEY_RE, 'must be the store public key from data-store'),
  id: z.string().regex(BEACON_ID_RE, 'must be 8-64 characters of A-Z a-z 0-9 _ -'),
  /** From data-order-id on the script tag: the order when no mirrored event names it. */
  order_id: storedText(128),
  events: z.array(beaconEventSchema).max(20).optional(),
  page: z
    .object({
      url: optionalText(2048),
      load_ms: z.number().nonnegative().finite().nullish(),
    })
    .optional(),
  pixel: z
    .object({
      loaded: optionalFlag,
      tracked: optionalFlag,
      request_seen: optionalFlag,
    })
    .optional(),
  probe: z.enum(['ok', 'blocked', 'unknown']).optional(),
  consent: z.enum(['granted', 'denied', 'unknown']).optional(),
  ttclid: optionalFlag,
  ttp: optionalFlag,
  brave: z.boolean().optional(),
});

export type Beacon = z.infer<typeof beaconSchema>;
export type BeaconEvent = z.infer<typeof beaconEventSchema>;

/** Validates a parsed body; AppError('validation_failed') naming each bad field otherwise. */
export function parseBeacon(input: unknown): Beacon {
  const parsed = beaconSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
  throw new AppError('validation_failed', message);
}

const QUERY_KEY_RE = /^[\w.[\]-]{1,40}$/;
const HEX_TOKEN_RE = /^[0-9a-f]{16,}$/i;
const ALNUM_RUN_RE = /[A-Za-z0-9]{12,}/g;

/** A path segment that looks like a secret (Shopify checkout / order-status tokens). */
function looksLikeToken(segment: string): boolean {
  if (segment.length < 16) return false;
  if (HEX_TOKEN_RE.test(segment)) return true;
  for (const run of segment.match(ALNUM_RUN_RE) ?? []) if (/\d/.test(run) && /[A-Za-z]/.test(run)) return true;
  return false;
}

/**
 * The page URL without anything that can identify a shopper: no fragment, query values dropped
 * (parameter names kept, so `?ttclid` still shows the click id was there), token-like path
 * segments replaced by `:token`. Null when it is not an http(s) URL.
 */
export function sanitizePageUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const path = u.pathname
    .split('/')
    .map((s) => (looksLikeToken(s) ? ':token' : s))
    .join('/');
  const keys = [...new Set(u.searchParams.keys())].filter((k) => QUERY_KEY_RE.test(k));
  const out = u.origin + path + (keys.length ? `?${keys.join('&')}` : '');
  return out.length > 512 ? out.slice(0, 512) : out;
}

const nonEmpty = (s: string | null | undefined) => (s ? s : null);

/** The event a beacon stands for: the purchase it mirrored, else the first event. */
export function pickEvent(events: BeaconEvent[] | undefined): BeaconEvent | undefined {
  if (!events?.length) return undefined;
  for (const e of events) if (PURCHASE_EVENTS.has(e.name)) return e;
  return events[0];
}

/** The browser_events row for one validated beacon. */
export function toBrowserEventRow(storeId: string, b: Beacon, ua: ParsedUserAgent, receivedAt = new Date()): NewBrowserEvent {
  const ev = pickEvent(b.events);
  const tracked = b.pixel?.tracked ?? null;
  const requestSeen = b.pixel?.request_seen ?? null;
  const loadMs = b.page?.load_ms;
  return {
    storeId,
    receivedAt,
    beaconId: b.id,
    eventName: ev?.name ?? null,
    eventId: nonEmpty(ev?.event_id),
    orderId: nonEmpty(ev?.order_id) ?? nonEmpty(b.order_id),
    pixelLoaded: b.pixel?.loaded ?? null,
    pixelTracked: tracked,
    probeOk: b.probe === 'ok' ? true : b.probe === 'blocked' ? false : null,
    pageLoadMs: loadMs === null || loadMs === undefined ? null : Math.min(Math.round(loadMs), 2_147_483_647),
    // "Left before the pixel sent": the purchase was tracked but no request reached TikTok's host.
    leftBeforeSend: tracked === true && requestSeen !== null ? !requestSeen : null,
    consent: b.consent ?? 'unknown',
    hasTtclid: b.ttclid ?? null,
    hasTtp: b.ttp ?? null,
    browser: b.brave && ua.browser === 'Chrome' ? 'Brave' : ua.browser,
    browserMajor: ua.browserMajor,
    os: ua.os,
    osMajor: ua.osMajor,
    deviceType: ua.deviceType,
    pageUrl: sanitizePageUrl(b.page?.url),
  };
}

/** Store id by public key; a cached answer is returned synchronously. */
export type StoreResolver = (publicKey: string) => string | null | Promise<string | null>;

/** Looks store keys up in the database at most once per `ttlMs` per key (unknown keys too). */
export function cachedStoreResolver(db: Db, opts: { ttlMs?: number; max?: number } = {}): StoreResolver {
  const ttl = opts.ttlMs ?? 30_000;
  const max = opts.max ?? 10_000;
  const cache = new Map<string, { id: string | null; exp: number }>();
  const pending = new Map<string, Promise<string | null>>();
  return (key) => {
    const hit = cache.get(key);
    if (hit && hit.exp > Date.now()) return hit.id;
    let p = pending.get(key);
    if (!p) {
      p = getStoreByPublicKey(db, key)
        .then((store) => {
          const id = store?.id ?? null;
          cache.delete(key);
          cache.set(key, { id, exp: Date.now() + ttl });
          if (cache.size > max) cache.delete(cache.keys().next().value!);
          return id;
        })
        .finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  };
}

export interface CollectStats {
  accepted: number;
  bots: number;
  rejected: number;
  writer: BatchWriterStats;
}

export interface CollectRoute extends FastRoute {
  /** Writes every queued row now. */
  flush(): Promise<void>;
  /** Flushes and stops (server shutdown). */
  close(): Promise<BatchWriterStats>;
  stats(): CollectStats;
}

export interface CollectRouteOptions {
  db: Db;
  /** 'pglite': inserts run on this thread, so batches are sized by time (EMBEDDED_BATCH). */
  dbKind?: DbKind;
  /** Batch size, delay and queue bound of the row writer. */
  batch?: Omit<BatchWriterOptions<NewBrowserEvent>, 'write'>;
  /** How long a store-key lookup is cached. Default 30 s. */
  storeCacheTtlMs?: number;
  resolveStore?: StoreResolver;
}

const CORS = { 'access-control-allow-origin': '*' } as const;
const PREFLIGHT = {
  ...CORS,
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '86400',
} as const;
const ACCEPTED = { ...CORS, 'content-length': '0' } as const;
const NOT_ALLOWED = { ...CORS, allow: 'POST, OPTIONS' } as const;
const UNAVAILABLE = { ...CORS, 'retry-after': '5' } as const;
const CONTENT_TYPE_RE = /^\s*(?:application\/json|text\/plain)\s*(?:;|$)/i;

const live = new Set<CollectRoute>();

/**
 * PGlite blocks the event loop for the whole insert (~40-60 µs per row here), and every request
 * arriving meanwhile waits: batches of ~10 ms keep that wait well inside the p99 target while
 * still spreading the ~1 ms statement overhead over 100+ rows.
 */
export const EMBEDDED_BATCH = { targetWriteMs: 10, minBatch: 50 } as const;

/** The `/api/collect` fast route for server.ts, with its own batch writer. */
export function createCollectRoute(opts: CollectRouteOptions): CollectRoute {
  const { db } = opts;
  const writer = new BatchWriter<NewBrowserEvent>({
    name: 'browser-events',
    maxBatch: 500,
    maxDelayMs: 1000,
    ...(opts.dbKind === 'pglite' ? EMBEDDED_BATCH : {}),
    ...opts.batch,
    write: (rows) => insertBrowserEvents(db, rows),
  });
  const resolveStore = opts.resolveStore ?? cachedStoreResolver(db, { ttlMs: opts.storeCacheTtlMs });
  const counters = { accepted: 0, bots: 0, rejected: 0 };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method;
    if (method === 'OPTIONS') {
      res.writeHead(204, PREFLIGHT);
      res.end();
      return;
    }
    if (method !== 'POST') throw new AppError('method_not_allowed', 'use POST (see docs/beacon.md)');

    const ua = parseUserAgent(req.headers['user-agent']);
    if (ua.bot) {
      counters.bots++;
      req.resume();
      res.writeHead(204, CORS);
      res.end();
      return;
    }
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && !CONTENT_TYPE_RE.test(contentType))
      throw new AppError('unsupported_media_type', 'send the beacon as application/json or text/plain JSON');

    const beacon = parseBeacon(parseJson(await readBody(req, MAX_BEACON_BYTES)));
    const storeId = await resolveStore(beacon.store);
    if (storeId === null) throw new AppError('not_found', 'no store has this public key (check data-store)');

    if (!writer.add(toBrowserEventRow(storeId, beacon, ua)))
      throw new AppError('unavailable', 'the beacon queue is full; retry later', 503);
    counters.accepted++;
    res.writeHead(202, ACCEPTED);
    res.end();
  }

  const route = (async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname;
    if (path !== COLLECT_PATH && path !== `${COLLECT_PATH}/`) return false;
    try {
      await handle(req, res);
    } catch (err) {
      counters.rejected++;
      if (res.headersSent) res.end();
      else {
        req.resume();
        const status = err instanceof AppError ? err.status : 500;
        sendError(res, err, status === 405 ? NOT_ALLOWED : status === 503 ? UNAVAILABLE : CORS);
      }
    }
    return true;
  }) as CollectRoute;

  route.flush = () => writer.flush();
  route.close = async () => {
    live.delete(route);
    return writer.close();
  };
  route.stats = () => ({ ...counters, writer: writer.stats() });
  live.add(route);
  return route;
}

/** Flushes and stops every collect route of this process (server.ts close()). */
export async function closeCollectRoutes(): Promise<void> {
  await Promise.all([...live].map((r) => r.close()));
}
