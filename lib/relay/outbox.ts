/**
 * The relay's durable outbox (DESIGN.md §3 item 3): every Events API request the relay sends is
 * written here (raw PII hashed first) as TikTok is called, and the caller hears `queued` only once
 * it is durable, so nothing accepted is lost on a crash, a restart or a TikTok outage. A row the
 * relay died on (no events recorded yet) gets its events recorded by the drain. The drain delivers due rows
 * with exponential backoff until the store's horizon (`outbox_horizon_hours`), then marks them
 * dead. A permanent refusal at drain time is split (binary search) so the good events still go;
 * a resent event keeps its event_id, so TikTok's dedup absorbs a delivery that had in fact
 * arrived before its answer was lost.
 */
import type { Db } from '@/db/client';
import {
  claimDueOutbox,
  eventsOfOutbox,
  insertPendingOutbox,
  setEventsDelivery,
  settleLiveAttempts,
  updateOutboxAndEvents,
  type LiveSettlement,
  type OutboxRow,
} from '@/db/queries/outbox';
import { insertServerEvents } from '@/db/queries/server-events';
import { getStore, type Store } from '@/db/queries/stores';
import { hashRawPii, isSha256HexAnyCase, type Fix } from '@/lib/identity';
import { getStoreSecret } from '@/lib/stores';
import {
  createTikTokClient,
  isRequestLevelRefusal,
  type EventDeliveryResult,
  type EventsApiBody,
  type TikTokClient,
} from '@/lib/tiktok/client';
import { toServerEventRow, type ObservationContext } from './observe';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const HOUR_MS = 3_600_000;

/** `data[].user` keys kept in a stored body: TikTok's documented ones. Others may be raw PII. */
export const STORED_USER_KEYS: ReadonlySet<string> = new Set(['email', 'phone', 'external_id', 'ttclid', 'ttp', 'ip', 'user_agent', 'locale']);

export interface StoredBody {
  body: unknown;
  /** What was hashed or dropped to make the body safe to write (paths, never values). */
  fixes: Fix[];
}

/**
 * The copy of an Events API body that may be written to disk: email/phone/external_id that are
 * not already SHA-256 are normalized and hashed (or dropped when they cannot be normalized), and
 * `user` keys TikTok does not document (first_name, zip_code, …) are dropped unless their value is
 * already a SHA-256. Everything else is kept as sent. The input is not mutated.
 */
export function piiSafeBody(body: unknown, opts: { country?: string | null } = {}): StoredBody {
  const { body: hashed, fixes } = hashRawPii(body, { country: opts.country ?? undefined });
  if (isObject(hashed) && Array.isArray(hashed.data)) {
    hashed.data.forEach((event, i) => {
      if (!isObject(event) || !isObject(event.user)) return;
      for (const [key, value] of Object.entries(event.user)) {
        if (STORED_USER_KEYS.has(key)) continue;
        const hashedAlready = Array.isArray(value)
          ? value.every((v) => typeof v === 'string' && isSha256HexAnyCase(v))
          : typeof value === 'string' && isSha256HexAnyCase(value);
        if (hashedAlready) continue;
        delete event.user[key];
        fixes.push({ path: `data[${i}].user.${key}`, code: 'not_sha256', action: 'dropped' });
      }
    });
  } else if (isObject(hashed) && hashed.data !== undefined && !Array.isArray(hashed.data)) {
    // Not a batch the relay would accept; never keep an unknown shape's contents.
    hashed.data = [];
  }
  return { body: hashed, fixes };
}

const HASHED_USER_KEYS: ReadonlySet<string> = new Set(['email', 'phone', 'external_id']);
const isHashString = (v: unknown) => typeof v === 'string' && isSha256HexAnyCase(v.trim());

/**
 * False when piiSafeBody would return the body unchanged (every email/phone/external_id already a
 * SHA-256, no undocumented user keys): the relay then stores the very text it sends, uncopied.
 */
export function needsPiiSafety(body: unknown): boolean {
  if (!isObject(body) || !Array.isArray(body.data)) return true;
  for (const event of body.data) {
    if (!isObject(event) || !isObject(event.user)) continue;
    for (const [key, value] of Object.entries(event.user)) {
      if (HASHED_USER_KEYS.has(key)) {
        if (value === undefined || value === null) continue;
        if (Array.isArray(value) ? !value.every(isHashString) : !isHashString(value)) return true;
      } else if (!STORED_USER_KEYS.has(key)) {
        if (Array.isArray(value) ? !value.every((v) => typeof v === 'string' && isSha256HexAnyCase(v)) : !(typeof value === 'string' && isSha256HexAnyCase(value))) return true;
      }
    }
  }
  return false;
}

export const OUTBOX_BACKOFF = { baseMs: 30_000, maxMs: HOUR_MS } as const;

/**
 * Delay before attempt `attempt + 1` after `attempt` failed attempts: 30 s doubling to a 1 h cap,
 * with jitter in [½, 1] of that so many queued rows do not all retry in the same second.
 */
export function outboxBackoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(OUTBOX_BACKOFF.maxMs, OUTBOX_BACKOFF.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface WriteAheadInput {
  store: Pick<Store, 'id' | 'outboxHorizonHours'>;
  /** PII-safe copy (piiSafeBody), or its JSON text with `bodyIsJsonText`. */
  storedBody: unknown;
  bodyIsJsonText?: boolean;
  now: Date;
  /** Until when no drain may pick the row (the live attempt is in flight). */
  leaseUntil: Date;
}

/**
 * The relay's write-ahead: the PII-safe body as a pending outbox row, durable before TikTok is
 * called. Its server_events are written with TikTok's answer (settleLiveAttempt); if the process
 * dies first, the drain records them from the stored body and delivers it.
 */
export async function writeAhead(db: Db, input: WriteAheadInput): Promise<number> {
  let bodyText = input.bodyIsJsonText ? (input.storedBody as string) : JSON.stringify(input.storedBody);
  // jsonb refuses the NUL character; it carries nothing TikTok could use.
  if (bodyText.includes('\\u0000')) bodyText = JSON.stringify(JSON.parse(bodyText, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : v)));
  return insertPendingOutbox(db, {
    storeId: input.store.id,
    bodyText,
    leaseUntil: input.leaseUntil,
    expiresAt: new Date(input.now.getTime() + input.store.outboxHorizonHours * HOUR_MS),
    createdAt: input.now,
  });
}

/** TikTok's answer to the live attempt, for the outbox row and the events it carried. */
export type LiveOutcome =
  | { kind: 'ok'; code: number; message: string }
  | { kind: 'refused'; code: number; message: string }
  /** A batch refused for its content: the drain splits it to find the refused event(s). */
  | { kind: 'split'; code: number; message: string; nextAttemptAt: Date }
  | { kind: 'queued'; error: string; nextAttemptAt: Date };

/** What to record of a live attempt: the outbox row's state and the events with their delivery. */
export function liveSettlement(input: {
  outboxId: number;
  store: Pick<Store, 'id' | 'eventIdTemplate'>;
  events: unknown[];
  observation: Omit<ObservationContext, 'delivery' | 'outboxId' | 'tiktokCode' | 'tiktokMessage'>;
  outcome: LiveOutcome;
  at: Date;
}): LiveSettlement {
  const { outcome, at } = input;
  const pending = outcome.kind === 'queued' || outcome.kind === 'split';
  const ctx: ObservationContext =
    outcome.kind === 'ok'
      ? { ...input.observation, delivery: 'sent', tiktokCode: outcome.code, tiktokMessage: outcome.message }
      : outcome.kind === 'refused'
        ? { ...input.observation, delivery: 'rejected', tiktokCode: outcome.code, tiktokMessage: outcome.message }
        : outcome.kind === 'split'
          ? { ...input.observation, delivery: 'queued', tiktokCode: outcome.code, tiktokMessage: outcome.message }
          : { ...input.observation, delivery: 'queued' };
  return {
    outboxId: input.outboxId,
    status: pending ? 'pending' : 'delivered',
    nextAttemptAt: pending ? outcome.nextAttemptAt : null,
    // A refusal of one event, or of the token or pixel: the shop sees TikTok's answer and owns the
    // retry; nothing is left to deliver.
    lastError:
      outcome.kind === 'queued'
        ? outcome.error.slice(0, 500)
        : outcome.kind === 'refused'
          ? `refused by TikTok: code ${outcome.code}: ${outcome.message}`.slice(0, 500)
          : outcome.kind === 'split'
            ? `refused by TikTok as a batch: code ${outcome.code}: ${outcome.message}; split to deliver the rest`.slice(0, 500)
            : null,
    deliveredAt: pending ? null : at,
    events: input.events.map((e, i) => toServerEventRow(input.store, e, i, ctx)),
  };
}

/** Writes settlements in statements of at most ~5,000 events (each idempotent, see settleLiveAttempts). */
export async function writeSettlements(db: Db, items: LiveSettlement[]): Promise<void> {
  let group: LiveSettlement[] = [];
  let events = 0;
  for (const item of items) {
    if (group.length && events + item.events.length > 5_000) {
      await settleLiveAttempts(db, group);
      group = [];
      events = 0;
    }
    group.push(item);
    events += item.events.length;
  }
  await settleLiveAttempts(db, group);
}

// ───────────────────────────── drain ─────────────────────────────

export interface DrainOptions {
  /** A TikTok client; its retry policy should be a single attempt (the outbox is the retry). */
  client?: TikTokClient;
  /** Used to build a client when none is given. */
  tiktokBaseUrl?: string;
  fetch?: typeof fetch;
  /** Per TikTok request. Default 10 s. */
  timeoutMs?: number;
  /** Reference time for the whole run. Default: now. */
  now?: Date;
  /** Rows claimed per round. Default 50. */
  limit?: number;
  /** Rows handled per run at most. Default 1,000. */
  maxRows?: number;
  storeId?: string;
  /** How long a claimed row stays invisible to other workers. Default 5 min. */
  leaseMs?: number;
  random?: () => number;
  log?: (message: string) => void;
}

export interface DrainResult {
  /** Outbox rows handled. */
  rows: number;
  /** Rows now delivered (every event accepted or finally refused). */
  delivered: number;
  /** Rows rescheduled for a later attempt. */
  retried: number;
  /** Rows past their horizon, now dead. */
  dead: number;
  eventsSent: number;
  eventsRejected: number;
  eventsDead: number;
}

const emptyResult = (): DrainResult => ({ rows: 0, delivered: 0, retried: 0, dead: 0, eventsSent: 0, eventsRejected: 0, eventsDead: 0 });

export const noTokenMessage = (storeId: string) =>
  `no Events API token stored for store ${storeId} (printf %s "$TOKEN" | signalwatch store secret ${storeId} tiktok_events_token)`;

export function drainClient(opts: Pick<DrainOptions, 'tiktokBaseUrl' | 'fetch' | 'timeoutMs'>): TikTokClient {
  if (!opts.tiktokBaseUrl) throw new Error('drainOutbox needs a client or a tiktokBaseUrl');
  return createTikTokClient({
    baseUrl: opts.tiktokBaseUrl,
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs ?? 10_000,
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  });
}

/** Final for the event (TikTok refused this event's content) vs. worth another try. */
function isFinalRefusal(r: Extract<EventDeliveryResult, { status: 'rejected' }>): boolean {
  return r.code !== null && !isRequestLevelRefusal(r.code);
}

/**
 * Delivers due outbox rows. Safe to run from several processes at once (rows are claimed with
 * SKIP LOCKED and a lease); each row is sent at most once per claim.
 */
export async function drainOutbox(db: Db, opts: DrainOptions = {}): Promise<DrainResult> {
  const client = opts.client ?? drainClient(opts);
  const now = opts.now ?? new Date();
  const limit = opts.limit ?? 50;
  const maxRows = opts.maxRows ?? 1000;
  const leaseMs = opts.leaseMs ?? 5 * 60_000;
  const random = opts.random ?? Math.random;
  const log = opts.log ?? (() => {});
  const result = emptyResult();

  const stores = new Map<string, Store | undefined>();
  const tokens = new Map<string, { token?: string; error?: string }>();
  /** A store whose TikTok answered transiently this run: its other rows wait with it. */
  const heldUntil = new Map<string, { at: Date; error: string }>();

  const tokenFor = async (storeId: string) => {
    let t = tokens.get(storeId);
    if (!t) {
      try {
        const token = await getStoreSecret(db, storeId, 'tiktok_events_token');
        t = token ? { token } : { error: noTokenMessage(storeId) };
      } catch (err) {
        t = { error: `cannot read the stored Events API token: ${(err as Error).message}` };
      }
      tokens.set(storeId, t);
    }
    return t;
  };

  while (result.rows < maxRows) {
    const rows = await claimDueOutbox(db, {
      now,
      leaseUntil: new Date(now.getTime() + leaseMs),
      limit: Math.min(limit, maxRows - result.rows),
      storeId: opts.storeId,
    });
    for (const row of rows) {
      result.rows++;
      try {
        if (!stores.has(row.storeId)) stores.set(row.storeId, await getStore(db, row.storeId));
        await drainRow(row);
      } catch (err) {
        // Leave it for the next run (the lease lapses); never lose it.
        log(`outbox ${row.id}: ${(err as Error).message}`);
        await updateOutboxAndEvents(db, row.id, {
          nextAttemptAt: new Date(now.getTime() + outboxBackoffMs(row.attempts + 1, random)),
          lastError: `drain error: ${(err as Error).message}`.slice(0, 500),
        }).catch(() => {});
        result.retried++;
      }
    }
    if (rows.length < limit) break;
  }
  return result;

  async function fail(row: OutboxRow, error: string, opts: { attempted: boolean; remainingIds?: number[]; body?: unknown }) {
    const attempts = row.attempts + (opts.attempted ? 1 : 0);
    if (now.getTime() >= row.expiresAt.getTime()) {
      const ids = opts.remainingIds;
      await updateOutboxAndEvents(
        db,
        row.id,
        { status: 'dead', attempted: opts.attempted, lastError: error.slice(0, 500), body: opts.body },
        { delivery: 'dead', tiktokMessage: error.slice(0, 500), ...(ids ? { ids } : {}) },
      );
      result.dead++;
      result.eventsDead += ids?.length ?? countEvents(opts.body ?? row.body);
      log(`outbox ${row.id}: dead after ${attempts} attempt(s): ${error}`);
      return;
    }
    const at = new Date(now.getTime() + outboxBackoffMs(Math.max(1, attempts), random));
    await updateOutboxAndEvents(db, row.id, {
      attempted: opts.attempted,
      nextAttemptAt: at,
      lastError: error.slice(0, 500),
      body: opts.body,
    });
    result.retried++;
    return at;
  }

  async function drainRow(row: OutboxRow) {
    const store = stores.get(row.storeId);
    if (!store) return; // the store was deleted: its rows went with it (cascade)
    const body = row.body;
    const data = isObject(body) && Array.isArray(body.data) ? (body.data as unknown[]) : [];
    if (data.length === 0) {
      await updateOutboxAndEvents(db, row.id, { status: 'dead', lastError: 'stored body has no events' }, { delivery: 'dead' });
      result.dead++;
      return;
    }

    // The row's events; none when the relay died before recording TikTok's answer: record them now
    // (from the stored, PII-hashed body, so raw-PII lint codes of that request are not known).
    let recorded = await eventsOfOutbox(db, row.id);
    if (recorded.length === 0) {
      const tec = (body as Json).test_event_code;
      const testEventCode = typeof tec === 'string' && tec.trim() ? tec : null;
      await insertServerEvents(
        db,
        data.map((e, i) => toServerEventRow(store, e, i, { source: 'relay', delivery: 'queued', outboxId: row.id, receivedAt: row.createdAt, testEventCode })),
      );
      recorded = await eventsOfOutbox(db, row.id);
    }

    const held = heldUntil.get(row.storeId);
    if (held) {
      // Same store, same outage: wait with the row that just failed (dead once past the horizon).
      if (now.getTime() >= row.expiresAt.getTime()) await fail(row, held.error, { attempted: false });
      else {
        await updateOutboxAndEvents(db, row.id, { nextAttemptAt: held.at });
        result.retried++;
      }
      return;
    }
    const { token, error: tokenError } = await tokenFor(row.storeId);
    if (!token) {
      const at = await fail(row, tokenError!, { attempted: false });
      if (at) heldUntil.set(row.storeId, { at, error: tokenError! });
      return;
    }

    const results = await client.deliverBatch({ accessToken: token, body: body as unknown as EventsApiBody });
    const accepted: number[] = [];
    const refused = new Map<string, { code: number; message: string; idx: number[] }>();
    const retry: number[] = [];
    let retryError = '';
    results.forEach((r, i) => {
      if (r.status === 'accepted') accepted.push(i);
      else if (r.status === 'rejected' && isFinalRefusal(r)) {
        const key = `${r.code}\u0000${r.message}`;
        const group = refused.get(key) ?? { code: r.code!, message: r.message, idx: [] };
        group.idx.push(i);
        refused.set(key, group);
      } else {
        retry.push(i);
        retryError ||= r.status === 'rejected' ? `TikTok refused the request: ${r.code === null ? '' : `code ${r.code}: `}${r.message}` : `TikTok unreachable (${r.reason}): ${r.message}`;
      }
    });

    // Still-queued events are data[] in order (settled ones were cut from the body); else match by event_id.
    const queued = recorded.filter((e) => e.delivery === 'queued');
    const rowIdByIndex: (number | undefined)[] = [];
    if (queued.length === data.length) queued.forEach((q, i) => (rowIdByIndex[i] = q.id));
    else {
      const pool = [...queued];
      data.forEach((e, i) => {
        const eventId = isObject(e) && (typeof e.event_id === 'string' || typeof e.event_id === 'number') ? String(e.event_id) : null;
        const at = pool.findIndex((q) => q.eventId === eventId);
        if (at >= 0) rowIdByIndex[i] = pool.splice(at, 1)[0]!.id;
      });
    }
    const idsOf = (indices: number[]): number[] => indices.map((i) => rowIdByIndex[i]).filter((id): id is number => id !== undefined);

    const refusedCount = [...refused.values()].reduce((n, g) => n + g.idx.length, 0);
    const refusalNote = refused.size
      ? `TikTok refused ${refusedCount} event(s): ${[...refused.values()].map((g) => `code ${g.code}: ${g.message}`).join('; ')}`
      : null;

    await db.transaction(async (tx) => {
      if (accepted.length) await setEventsDelivery(tx, idsOf(accepted), { delivery: 'sent', tiktokCode: 0, tiktokMessage: 'OK' });
      for (const g of refused.values()) await setEventsDelivery(tx, idsOf(g.idx), { delivery: 'rejected', tiktokCode: g.code, tiktokMessage: g.message });
    });
    result.eventsSent += accepted.length;
    result.eventsRejected += refusedCount;

    if (retry.length === 0) {
      await updateOutboxAndEvents(db, row.id, { status: 'delivered', attempted: true, deliveredAt: now, lastError: refusalNote });
      result.delivered++;
      return;
    }
    // Keep only what is still to deliver, so a later attempt resends nothing that was settled.
    const remainingBody = retry.length === data.length ? undefined : { ...(body as Json), data: retry.map((i) => data[i]) };
    const error = refusalNote ? `${retryError} (${refusalNote})` : retryError;
    const at = await fail(row, error, { attempted: true, remainingIds: idsOf(retry), body: remainingBody });
    if (at && results.every((r) => r.status !== 'accepted')) heldUntil.set(row.storeId, { at, error });
  }
}

function countEvents(body: unknown): number {
  return isObject(body) && Array.isArray(body.data) ? body.data.length : 0;
}
