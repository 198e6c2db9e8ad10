/**
 * The server leg's door (DESIGN.md §3 item 3): a drop-in Events API relay at
 * `POST /api/tiktok/open_api/v1.3/event/track/` (trailing slash optional, never a redirect), so a
 * shop only changes its TikTok base URL to `https://<signalwatch>/api/tiktok`.
 *
 * Per request: find the store by `event_source_id` (pixel code); authenticate the caller by the
 * store's Events API token in `Access-Token` (constant-time compare) or its ingest key in
 * `X-Signalwatch-Key`; lint and record every event (server_events); then by the store's relay mode
 *   observe  record only (delivery `observed`), answer `{code:0, data:{observed:true}}`;
 *   forward  send the body on byte for byte;
 *   fix      hash raw PII, stringify numeric ids, convert millisecond times, then send.
 * Sending is write-ahead: the PII-safe body is inserted into relay_outbox as a pending row (leased,
 * so no drain touches it while the live attempt runs) while TikTok is called once with a short
 * timeout. TikTok's final answer (accepted, or refused — a whole-batch rejection included) goes
 * back to the caller unchanged. When TikTok cannot be reached or answers with a transient error,
 * the caller gets `{code:0, data:{queued:true}}` — only once the row is durable — and the outbox
 * delivers it later. TikTok's answer and the events (linted on the body as the caller sent it)
 * are recorded in batches right after the answer; if the process dies first, the drain records
 * the events from the stored body and resends, and TikTok's dedup on event_id absorbs the repeat.
 *
 * Refusals use TikTok's envelope with HTTP 200, as TikTok does: 40104 no credential, 40001 unknown
 * pixel code, 40105 wrong token or key, 40000 malformed JSON / over 5 MB, 40002 bad
 * `event_source_id` / `data`, 40061 more than 1,000 events. A refused request records nothing.
 *
 * Hot path: a FastRoute answered by server.ts itself; store/token/key lookups cached for 30 s; one
 * insert overlapping the TikTok call; lint and bookkeeping after the answer, one statement per batch.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '@/db/client';
import { nextOutboxDueAt } from '@/db/queries/outbox';
import { findStoreIdByIngestKeyHash, getStoreByPixelCode, type Store } from '@/db/queries/stores';
import { AppError } from '@/lib/http/errors';
import { readBody, type FastRoute } from '@/lib/http/node';
import { fixEventsBody, lintEvent, type Fix } from '@/lib/identity';
import { getStoreSecret, hashApiKey } from '@/lib/stores';
import { isRequestLevelRefusal, MAX_EVENTS_PER_REQUEST, TIKTOK_CODE } from '@/lib/tiktok/client';
import { TtlCache } from '@/lib/stores/cache';
import { recordServerEvents, type ObservationContext } from './observe';
import type { LiveSettlement } from '@/db/queries/outbox';
import { BatchWriter } from '@/lib/ingest/batch-writer';
import { drainClient, drainOutbox, liveSettlement, needsPiiSafety, outboxBackoffMs, piiSafeBody, writeAhead, writeSettlements, type DrainResult, type LiveOutcome } from './outbox';
import { createLiveSender } from './send';

export const RELAY_PREFIX = '/api/tiktok';
export const RELAY_PATH = `${RELAY_PREFIX}/open_api/v1.3/event/track/`;
const RELAY_PATH_NO_SLASH = RELAY_PATH.slice(0, -1);
export const MAX_RELAY_BODY_BYTES = 5 * 1024 * 1024;
export const INGEST_KEY_HEADER = 'x-signalwatch-key';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface RelayOptions {
  /** The database, or a getter (opened on first request). */
  db: Db | (() => Promise<Db>);
  /** Where TikTok is reached, e.g. env().TIKTOK_API_BASE_URL (the fake in tests). */
  tiktokBaseUrl: string;
  fetch?: typeof fetch;
  /** The live attempt's timeout: the shop is answered promptly, the outbox does the rest. Default 5 s. */
  sendTimeoutMs?: number;
  /** Per request when draining. Default 10 s. */
  drainTimeoutMs?: number;
  /** Longest a live attempt's outcome waits before it is recorded (batched). Default 100 ms. */
  settleDelayMs?: number;
  /** Store, token and ingest-key lookups. Default 30 s. */
  cacheTtlMs?: number;
  maxBodyBytes?: number;
  /** Drain the outbox from this process on a timer (after queuing, and once at start). Default true. */
  autoDrain?: boolean;
  clock?: () => number;
  random?: () => number;
  log?: (message: string) => void;
}

export interface RelayStats {
  requests: number;
  sent: number;
  refusedByTikTok: number;
  queued: number;
  observed: number;
  /** Refused by the relay itself (auth, shape). */
  refused: number;
  errors: number;
}

export interface RelayRoute extends FastRoute {
  /** Records now what answered requests are waiting to record (TikTok's answer, the events). */
  flush(): Promise<void>;
  /** Runs the outbox drain now (what the timer does); concurrent calls share one run. */
  drainNow(): Promise<DrainResult>;
  /** Forgets cached stores, tokens and keys (after a settings change). */
  clearCache(): void;
  stats(): RelayStats;
  /** Stops the drain timer and waits for a running drain. */
  close(): Promise<void>;
}

// ───────────────────────────── envelopes ─────────────────────────────

/** TikTok-style request id: UTC timestamp digits then 20 uppercase hex characters. */
export function relayRequestId(now = Date.now()): string {
  return new Date(now).toISOString().replace(/\D/g, '').slice(0, 14) + randomBytes(10).toString('hex').toUpperCase();
}

const TOKEN_EMPTY_MESSAGE = 'Access token is null, please carry the Access-Token in the request header.';
const TOKEN_INVALID_MESSAGE = 'Access token is incorrect or has been revoked.';

class Refusal {
  constructor(
    readonly code: number,
    readonly message: string,
    readonly status = 200,
  ) {}
}

const invalidValue = (field: string, reason: string) => new Refusal(TIKTOK_CODE.INVALID_PARAMETER, `Invalid value for ${field}: ${reason}.`);

function send(res: ServerResponse, status: number, text: string, contentType = 'application/json; charset=utf-8', extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), ...extra });
  res.end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
/** Constant time whatever the lengths (compares SHA-256 digests). */
export const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** `data[3].user.phone[0]` → index 3 and `user.phone[0]`. */
function splitPath(path: string): { index: number; rest: string } | null {
  const m = /^data\[(\d+)\]\.?(.*)$/.exec(path);
  return m ? { index: Number(m[1]), rest: m[2]! } : null;
}

/** How a fix is recorded in server_events.fixes: `<path in event>:<action>:<code>`. */
export const fixLabel = (rest: string, f: Fix) => `${rest}:${f.action}:${f.code}`;

// ───────────────────────────── the route ─────────────────────────────

const live = new Set<RelayRoute>();

export function createRelay(opts: RelayOptions): RelayRoute {
  const clock = opts.clock ?? Date.now;
  const random = opts.random ?? Math.random;
  const log = opts.log ?? ((m: string) => console.error(`[relay] ${m}`));
  const ttlMs = opts.cacheTtlMs ?? 30_000;
  const maxBytes = opts.maxBodyBytes ?? MAX_RELAY_BODY_BYTES;
  const sendTimeoutMs = opts.sendTimeoutMs ?? 5_000;
  const autoDrain = opts.autoDrain ?? true;
  const counters: RelayStats = { requests: 0, sent: 0, refusedByTikTok: 0, queued: 0, observed: 0, refused: 0, errors: 0 };

  let dbValue: Db | undefined = typeof opts.db === 'function' ? undefined : opts.db;
  const getDb = async (): Promise<Db> => (dbValue ??= await (opts.db as () => Promise<Db>)());

  const liveSend = createLiveSender({ baseUrl: opts.tiktokBaseUrl, fetch: opts.fetch, timeoutMs: sendTimeoutMs });
  const client = drainClient({ tiktokBaseUrl: opts.tiktokBaseUrl, fetch: opts.fetch, timeoutMs: opts.drainTimeoutMs ?? 10_000 });

  const storeCache = new TtlCache<Store>(async (pixel) => getStoreByPixelCode(await getDb(), pixel), { ttlMs, clock });
  const tokenCache = new TtlCache<string>(async (storeId) => getStoreSecret(await getDb(), storeId, 'tiktok_events_token'), {
    ttlMs,
    negativeTtlMs: Math.min(ttlMs, 5_000),
    clock,
  });
  const keyCache = new TtlCache<string>(async (keyHash) => findStoreIdByIngestKeyHash(await getDb(), keyHash), { ttlMs, clock, max: 1_000 });

  // ── drain timer ──
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let draining: Promise<DrainResult> | undefined;

  function drainNow(): Promise<DrainResult> {
    draining ??= (async () => {
      try {
        return await drainOutbox(await getDb(), { client, random, log });
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  }

  function scheduleDrain(at: number) {
    if (closed || !autoDrain) return;
    if (timer && at >= timerAt) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(onTimer, Math.max(0, at - clock()) + 50);
    timer.unref();
  }

  async function scheduleFromDatabase() {
    try {
      const next = await nextOutboxDueAt(await getDb());
      if (next) scheduleDrain(Math.max(next.getTime(), clock() + 500));
    } catch (err) {
      if (!closed) log(`cannot read the outbox: ${(err as Error).message}`);
    }
  }

  async function onTimer() {
    timer = undefined;
    timerAt = Infinity;
    if (closed) return;
    try {
      const r = await drainNow();
      if (r.rows) log(`outbox drain: ${r.delivered} delivered, ${r.retried} to retry, ${r.dead} dead`);
    } catch (err) {
      if (!closed) log(`outbox drain failed: ${(err as Error).message}`);
    }
    if (!closed) await scheduleFromDatabase();
  }

  // Rows left by an earlier process (a crash, a restart during an outage) are picked up here too.
  const startupTimer = autoDrain ? setTimeout(() => void scheduleFromDatabase(), 500) : undefined;
  startupTimer?.unref();

  // ── auth ──
  async function authenticate(store: Store, accessToken: string | undefined, ingestKey: string | undefined): Promise<Refusal | null> {
    if (ingestKey) {
      const owner = ingestKey.startsWith('sw_ingest_') && ingestKey.length <= 200 ? await keyCache.get(hashApiKey(ingestKey)) : null;
      if (owner === store.id) return null;
      if (!accessToken) return new Refusal(TIKTOK_CODE.TOKEN_INVALID, `X-Signalwatch-Key is not the ingest key of the store that owns pixel code ${store.pixelCode}.`);
    }
    const stored = await tokenCache.get(store.id);
    if (!stored) {
      return new Refusal(
        TIKTOK_CODE.TOKEN_INVALID,
        'Access token cannot be verified: no Events API token is stored for this pixel in Signalwatch (store secret tiktok_events_token); store it, or send the store ingest key as X-Signalwatch-Key.',
      );
    }
    return sameSecret(accessToken!, stored) ? null : new Refusal(TIKTOK_CODE.TOKEN_INVALID, TOKEN_INVALID_MESSAGE);
  }

  // ── request ──
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = new Date(clock());
    const envelope = (code: number, message: string, data?: Json) =>
      JSON.stringify({ code, message, request_id: relayRequestId(receivedAt.getTime()), ...(data ? { data } : {}) });
    const refuse = (r: Refusal, extra?: Record<string, string>) => {
      counters.refused++;
      send(res, r.status, envelope(r.code, r.message), undefined, extra);
    };

    if (req.method !== 'POST') {
      req.resume();
      return refuse(new Refusal(TIKTOK_CODE.BAD_PARAMETERS, `Method ${req.method} is not allowed; send events with POST.`, 405), { allow: 'POST' });
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, maxBytes);
    } catch (err) {
      if (err instanceof AppError && err.code === 'payload_too_large') {
        return refuse(new Refusal(TIKTOK_CODE.BAD_PARAMETERS, `Request body is over the relay's ${Math.round(maxBytes / 1024 / 1024)} MB limit; send fewer events per request.`));
      }
      throw err;
    }

    const accessToken = header(req, 'access-token');
    const ingestKey = header(req, INGEST_KEY_HEADER);
    if (!accessToken && !ingestKey) return refuse(new Refusal(TIKTOK_CODE.TOKEN_EMPTY, TOKEN_EMPTY_MESSAGE));

    const text = raw.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuse(new Refusal(TIKTOK_CODE.BAD_PARAMETERS, 'Invalid request body: not valid JSON.'));
    }
    if (!isObject(body)) return refuse(new Refusal(TIKTOK_CODE.BAD_PARAMETERS, 'Invalid request body: expected a JSON object.'));

    const pixel = body.event_source_id;
    if (pixel === undefined || pixel === null || pixel === '') return refuse(invalidValue('event_source_id', 'missing data for required field'));
    if (typeof pixel !== 'string') return refuse(invalidValue('event_source_id', 'not a valid string'));
    const store = pixel.length <= 128 ? await storeCache.get(pixel) : null;
    if (!store) {
      return refuse(
        new Refusal(
          TIKTOK_CODE.NO_PERMISSION,
          `No permission to operate pixel code: ${pixel.slice(0, 128)}. No Signalwatch store uses this pixel code (set the store's pixel_code).`,
        ),
      );
    }
    const denied = await authenticate(store, accessToken, ingestKey);
    if (denied) return refuse(denied);

    const data = body.data;
    if (data === undefined || data === null) return refuse(invalidValue('data', 'missing data for required field'));
    if (!Array.isArray(data)) return refuse(invalidValue('data', 'not a valid list'));
    if (data.length === 0) return refuse(invalidValue('data', 'shorter than minimum length 1'));
    if (data.length > MAX_EVENTS_PER_REQUEST) {
      return refuse(
        new Refusal(
          TIKTOK_CODE.INVALID_BATCH_SIZE,
          `Invalid batch size: data holds ${data.length} events, the maximum is ${MAX_EVENTS_PER_REQUEST}.`,
        ),
      );
    }

    const mode = store.relayMode;
    let token: string | null = null;
    if (mode !== 'observe') {
      token = await tokenCache.get(store.id);
      if (!token) {
        return refuse(
          new Refusal(
            TIKTOK_CODE.TOKEN_EMPTY,
            `No Events API token configured for this store in Signalwatch: store it (signalwatch store secret ${store.id} tiktok_events_token).`,
          ),
        );
      }
    }

    const testEventCode = typeof body.test_event_code === 'string' && body.test_event_code.trim() ? body.test_event_code : null;
    const db = await getDb();

    if (mode === 'observe') {
      await recordServerEvents(db, store, data, { ...observe(data, body.event_source, []), source: 'relay', receivedAt, testEventCode, delivery: 'observed' });
      counters.observed++;
      return send(res, 200, envelope(TIKTOK_CODE.OK, 'OK', { observed: true }));
    }

    // What goes to TikTok: the caller's very bytes (forward), or the fixed body (fix).
    let outgoing: string | Buffer = raw;
    let outgoingText = text;
    let sentBody: Json = body;
    let fixes: Fix[] = [];
    if (mode === 'fix') {
      const fixed = fixEventsBody(body, { country: store.phoneCountry ?? undefined });
      if (fixed.fixes.length) {
        sentBody = fixed.body as Json;
        outgoing = outgoingText = JSON.stringify(fixed.body);
        fixes = fixed.fixes;
      }
    }

    // Write-ahead: the PII-safe body goes into the outbox (one small insert) as TikTok is called. A
    // body that needs no hashing is stored as the very text that is sent.
    const storedText = needsPiiSafety(sentBody) ? JSON.stringify(piiSafeBody(sentBody, { country: store.phoneCountry }).body) : outgoingText;
    const leaseUntil = new Date(receivedAt.getTime() + sendTimeoutMs + 60_000);
    // TikTok is called while the row is being written (the request goes out first: an embedded
    // database works on this thread). A final answer from TikTok (accepted or refused) goes straight
    // back: nothing is left to deliver, the row only records it. `queued` is answered only once the
    // row is durable, so it always stands on a row the drain will deliver.
    const sending = liveSend(token!, outgoing);
    const ahead = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      writeAhead(db, { store, storedBody: storedText, bodyIsJsonText: true, now: receivedAt, leaseUntil }),
    );
    ahead.catch(() => {}); // handled below, once TikTok has answered
    const outcome = await sending;
    const at = new Date(clock());
    let live: LiveOutcome;
    if (outcome.kind === 'ok') live = { kind: 'ok', code: outcome.response.envelope.code, message: outcome.response.envelope.message };
    else if (outcome.kind === 'permanent' && outcome.code !== null && (data.length === 1 || isRequestLevelRefusal(outcome.code)))
      live = { kind: 'refused', code: outcome.code, message: outcome.message };
    // TikTok refused a whole batch for what may be one event: the caller still gets TikTok's answer,
    // and the drain splits the batch at once so the good events are not lost with the bad one (if
    // the shop resends them, TikTok's dedup on event_id absorbs the repeat).
    else if (outcome.kind === 'permanent' && outcome.code !== null)
      live = { kind: 'split', code: outcome.code, message: outcome.message, nextAttemptAt: at };
    // Transient, or an answer that is not TikTok's (no envelope): the outbox delivers it.
    else live = { kind: 'queued', error: outcome.message, nextAttemptAt: new Date(at.getTime() + outboxBackoffMs(1, random)) };

    // TikTok's answer and the events are recorded in batches after the caller is answered (the
    // row's lease keeps drains off it meanwhile). If this process dies first, the drain records
    // the events from the stored body and resends; TikTok's dedup on event_id absorbs the repeat.
    const settleNow = live;
    const written = ahead.then(
      (outboxId) => {
        const queuedAt = settleNow.kind === 'queued' || settleNow.kind === 'split' ? settleNow.nextAttemptAt.getTime() : null;
        const build = () =>
          liveSettlement({
            outboxId,
            store,
            events: sentBody.data as unknown[],
            observation: { ...observe(data, body.event_source, fixes), receivedAt, testEventCode, source: 'relay' },
            outcome: settleNow,
            at,
          });
        if (!settler.add({ queuedAt, build })) log(`outbox ${outboxId}: the settle queue is full; the drain will record and deliver it`);
        return true;
      },
      (err: unknown) => {
        counters.errors++;
        log(`outbox write failed (${settleNow.kind === 'queued' ? 'request refused with 50000' : 'TikTok answered; events not recorded'}): ${(err as Error)?.message ?? err}`);
        return false;
      },
    );
    pendingWrites.add(written);
    void written.finally(() => pendingWrites.delete(written));

    if (live.kind !== 'queued') {
      if (live.kind === 'ok') counters.sent++;
      else counters.refusedByTikTok++;
      const r = outcome.response!;
      return send(res, r.status, r.bodyText, r.contentType ?? 'application/json; charset=utf-8');
    }
    // Nothing durable, nothing accepted: the caller retries on TikTok's server-error code.
    if (!(await written)) throw new Error('the outbox row could not be written');
    counters.queued++;
    return send(res, 200, envelope(TIKTOK_CODE.OK, 'OK', { queued: true }));
  }

  /**
   * Lint codes per event as the caller sent it (plus what only the raw value shows, from fix mode's
   * hashing: phone_missing_plus, email_not_trimmed…), and the fixes per event.
   */
  function observe(raw: unknown[], eventSource: unknown, fixes: Fix[]): Pick<ObservationContext, 'rawLintByIndex' | 'fixesByIndex'> {
    const rawLintByIndex = new Map<number, string[]>();
    raw.forEach((e, i) => rawLintByIndex.set(i, [...new Set(lintEvent(e, i, { eventSource }).map((x) => x.code))]));
    const fixesByIndex = new Map<number, string[]>();
    for (const f of fixes) {
      const where = splitPath(f.path);
      if (!where) continue;
      const list = fixesByIndex.get(where.index) ?? [];
      list.push(fixLabel(where.rest, f));
      fixesByIndex.set(where.index, list);
      const lint = rawLintByIndex.get(where.index);
      for (const code of f.issues ?? []) if (lint && !lint.includes(code)) lint.push(code);
    }
    return { rawLintByIndex, fixesByIndex };
  }

  /** Write-ahead inserts not yet settled into the batch (the answer may already be out). */
  const pendingWrites = new Set<Promise<boolean>>();
  // Live attempts are recorded in batches: one statement per batch, off the answer's path.
  type PendingSettle = { queuedAt: number | null; build(): LiveSettlement; built?: LiveSettlement };
  const settler = new BatchWriter<PendingSettle>({
    name: 'relay-settle',
    maxBatch: 200,
    maxDelayMs: opts.settleDelayMs ?? 100,
    maxQueue: 20_000,
    onError: (err, n) => {
      counters.errors++;
      log(`recording ${n} relay request(s) failed, will retry: ${(err as Error)?.message ?? err}`);
    },
    write: async (items) => {
      await writeSettlements(await getDb(), items.map((i) => (i.built ??= i.build())));
      for (const i of items) if (i.queuedAt !== null) scheduleDrain(i.queuedAt);
    },
  });

  const route = (async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // A base URL set with a trailing slash gives `/api/tiktok//open_api/…`: still the relay, never
    // Next's redirect (Events API clients do not follow a redirect on POST).
    const path = url.pathname.includes('//') ? url.pathname.replace(/\/{2,}/g, '/') : url.pathname;
    if (path !== RELAY_PATH && path !== RELAY_PATH_NO_SLASH) return false;
    counters.requests++;
    try {
      await handle(req, res);
    } catch (err) {
      counters.errors++;
      log(`request failed: ${(err as Error)?.stack ?? String(err)}`);
      if (res.headersSent) res.end();
      else {
        req.resume();
        // TikTok's server-error family: every Events API client retries it.
        send(res, 500, JSON.stringify({ code: TIKTOK_CODE.SYSTEM_ERROR, message: 'Relay error: the request was not accepted. Please retry.', request_id: relayRequestId() }));
      }
    }
    return true;
  }) as RelayRoute;

  route.drainNow = drainNow;
  route.flush = async () => {
    while (pendingWrites.size) await Promise.all([...pendingWrites]);
    await settler.flush();
  };
  route.clearCache = () => {
    storeCache.clear();
    tokenCache.clear();
    keyCache.clear();
  };
  route.stats = () => ({ ...counters });
  route.close = async () => {
    closed = true;
    liveSend.close();
    clearTimeout(startupTimer);
    clearTimeout(timer);
    timer = undefined;
    live.delete(route);
    while (pendingWrites.size) await Promise.all([...pendingWrites]);
    await settler.close();
    await draining?.catch(() => {});
  };
  live.add(route);
  return route;
}

/** Stops every relay route of this process (server.ts close()). */
export async function closeRelayRoutes(): Promise<void> {
  await Promise.all([...live].map((r) => r.close()));
}
