/**
 * The relay's durable outbox (`relay_outbox`): Events API bodies TikTok has not yet accepted,
 * stored with raw PII already hashed. Rows are claimed with `FOR UPDATE SKIP LOCKED` plus a
 * lease on `next_attempt_at`, so two workers never send the same row at once and a crashed
 * worker's claim lapses by itself.
 */
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { selectRows, type Db } from '../client';
import { relayOutbox, serverEvents } from '../schema';
import type { NewServerEventRow } from './server-events';

export type OutboxRow = typeof relayOutbox.$inferSelect;
export type NewOutboxRow = typeof relayOutbox.$inferInsert;
export type OutboxStatus = OutboxRow['status'];
export const OUTBOX_STATUSES = ['pending', 'delivered', 'dead'] as const satisfies readonly OutboxStatus[];

type Delivery = (typeof serverEvents.$inferSelect)['delivery'];

const iso = (d: Date) => d.toISOString();

const EVENT_COLUMNS = [
  ['store_id', 'text'],
  ['received_at', 'timestamptz'],
  ['source', 'text'],
  ['event_time', 'timestamptz'],
  ['event_name', 'text'],
  ['event_id', 'text'],
  ['order_id', 'text'],
  ['test_event_code', 'text'],
  ['value', 'numeric'],
  ['currency', 'text'],
  ['has_email', 'boolean'],
  ['has_phone', 'boolean'],
  ['has_external_id', 'boolean'],
  ['has_ttclid', 'boolean'],
  ['has_ttp', 'boolean'],
  ['has_ip', 'boolean'],
  ['has_user_agent', 'boolean'],
  ['lint_codes', 'text[]'],
  ['fixes', 'text[]'],
  ['delivery', 'text'],
  ['tiktok_code', 'integer'],
  ['tiktok_message', 'text'],
] as const;

const dateJson = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function eventJson(r: NewServerEventRow) {
  return {
    store_id: r.storeId,
    received_at: dateJson(r.receivedAt) ?? new Date().toISOString(),
    source: r.source,
    event_time: dateJson(r.eventTime),
    event_name: r.eventName ?? null,
    event_id: r.eventId ?? null,
    order_id: r.orderId ?? null,
    test_event_code: r.testEventCode ?? null,
    value: r.value ?? null,
    currency: r.currency ?? null,
    has_email: r.hasEmail ?? false,
    has_phone: r.hasPhone ?? false,
    has_external_id: r.hasExternalId ?? false,
    has_ttclid: r.hasTtclid ?? false,
    has_ttp: r.hasTtp ?? false,
    has_ip: r.hasIp ?? false,
    has_user_agent: r.hasUserAgent ?? false,
    lint_codes: r.lintCodes ?? [],
    fixes: r.fixes ?? [],
    delivery: r.delivery,
    tiktok_code: r.tiktokCode ?? null,
    tiktok_message: r.tiktokMessage ?? null,
  };
}

const EVENT_COLUMN_LIST = sql.raw(EVENT_COLUMNS.map(([c]) => c).join(', '));
const EVENT_RECORD_TYPE = sql.raw(EVENT_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', '));
const EVENT_SELECT_LIST = sql.raw(EVENT_COLUMNS.map(([c]) => `r.${c}`).join(', '));

const dialect = new PgDialect();

/**
 * Runs one statement on the driver directly when `db` is a plain drizzle database (not a
 * transaction): drizzle's session adds a measurable fraction of a millisecond per query, which
 * matters on the relay's hot path. Anything else goes through drizzle.
 */
async function fastRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const client = (db as { $client?: unknown }).$client as
    | { query?: (text: string, params: unknown[]) => Promise<{ rows: T[] }>; waitReady?: unknown; unsafe?: (text: string, params: unknown[], opts: object) => Promise<T[]> }
    | undefined;
  if (client && typeof client.query === 'function' && 'waitReady' in client) {
    const q = dialect.sqlToQuery(query);
    return (await client.query(q.sql, q.params)).rows;
  }
  if (client && typeof client.unsafe === 'function') {
    const q = dialect.sqlToQuery(query);
    return [...(await client.unsafe(q.sql, q.params, { prepare: true }))];
  }
  return selectRows<T>(db, query);
}

/**
 * The relay's write-ahead: the PII-safe body as a pending row, invisible to drains until
 * `leaseUntil` (the live attempt is in flight). One small insert on the hot path.
 */
export async function insertPendingOutbox(
  db: Db,
  row: { storeId: string; /** The body as JSON text. */ bodyText: string; leaseUntil: Date; expiresAt: Date; createdAt: Date },
): Promise<number> {
  const [r] = await fastRows<{ id: string | number }>(
    db,
    sql`insert into relay_outbox (store_id, body, status, attempts, next_attempt_at, expires_at, created_at)
        values (${row.storeId}, ${row.bodyText}::jsonb, 'pending', 0, ${iso(row.leaseUntil)}::timestamptz,
                ${iso(row.expiresAt)}::timestamptz, ${iso(row.createdAt)}::timestamptz)
        returning id`,
  );
  return Number(r!.id);
}

export interface LiveSettlement {
  outboxId: number;
  /** Row state after the live attempt (its `attempts` becomes 1). */
  status: 'pending' | 'delivered';
  nextAttemptAt: Date | null;
  lastError: string | null;
  deliveredAt: Date | null;
  /** The request's server_events, in `data[]` order. */
  events: Omit<NewServerEventRow, 'outboxId'>[];
}

/**
 * Records live attempts (many requests at once): each outbox row's state and its server_events
 * (written once, with their delivery), in ONE statement. A row whose events were already recorded
 * (by a drain that took it over) is left alone, so a late write never duplicates events.
 */
export async function settleLiveAttempts(db: Db, items: LiveSettlement[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((i) => ({
    id: i.outboxId,
    status: i.status,
    next_attempt_at: dateJson(i.nextAttemptAt),
    last_error: i.lastError,
    delivered_at: dateJson(i.deliveredAt),
  }));
  const events = items.flatMap((i) => i.events.map((e) => ({ ...eventJson(e), outbox_id: i.outboxId })));
  await fastRows(
    db,
    sql`with u as (
          update relay_outbox o
          set status = v.status, attempts = o.attempts + 1, next_attempt_at = coalesce(v.next_attempt_at, o.next_attempt_at),
              last_error = v.last_error, delivered_at = v.delivered_at
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
               as v(id bigint, status text, next_attempt_at timestamptz, last_error text, delivered_at timestamptz)
          where o.id = v.id and o.status = 'pending'
            and not exists (select 1 from server_events e where e.outbox_id = o.id)
          returning o.id
        )
        insert into server_events (${EVENT_COLUMN_LIST}, outbox_id)
        select ${EVENT_SELECT_LIST}, r.outbox_id
        from rows from (jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as (${EVENT_RECORD_TYPE}, outbox_id bigint))
          with ordinality as r(${EVENT_COLUMN_LIST}, outbox_id, ord)
        where r.outbox_id in (select id from u)
        order by r.ord`,
  );
}

export async function getOutbox(db: Db, id: number): Promise<OutboxRow | undefined> {
  const [row] = await db.select().from(relayOutbox).where(eq(relayOutbox.id, id));
  return row;
}

interface RawOutboxRow {
  id: string | number;
  store_id: string;
  body: unknown;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string | Date;
  expires_at: string | Date;
  last_error: string | null;
  created_at: string | Date;
  delivered_at: string | Date | null;
}

const toDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

function fromRaw(r: RawOutboxRow): OutboxRow {
  return {
    id: Number(r.id),
    storeId: r.store_id,
    body: typeof r.body === 'string' ? JSON.parse(r.body) : r.body,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: toDate(r.next_attempt_at),
    expiresAt: toDate(r.expires_at),
    lastError: r.last_error,
    createdAt: toDate(r.created_at),
    deliveredAt: r.delivered_at === null ? null : toDate(r.delivered_at),
  };
}

/**
 * Claims up to `limit` pending rows due at `now` (oldest due first) by moving their
 * `next_attempt_at` to `leaseUntil`: other workers skip locked rows during the claim and see
 * the rows as not due afterwards. A worker that dies mid-delivery loses its claim at `leaseUntil`.
 */
export async function claimDueOutbox(
  db: Db,
  q: { now: Date; leaseUntil: Date; limit: number; storeId?: string },
): Promise<OutboxRow[]> {
  const store = q.storeId ? sql`and store_id = ${q.storeId}` : sql``;
  const rows = await selectRows<RawOutboxRow>(
    db,
    sql`update relay_outbox set next_attempt_at = ${iso(q.leaseUntil)}::timestamptz
        where id in (
          select id from relay_outbox
          where status = 'pending' and next_attempt_at <= ${iso(q.now)}::timestamptz ${store}
          order by next_attempt_at, id
          limit ${q.limit}
          for update skip locked)
        returning *`,
  );
  return rows.map(fromRaw).sort((a, b) => a.id - b.id);
}

export interface OutboxUpdate {
  status?: OutboxStatus;
  /** Added to `attempts`. */
  attempted?: boolean;
  nextAttemptAt?: Date;
  lastError?: string | null;
  deliveredAt?: Date | null;
  /** Replaces the stored body (the drain keeps only the events still to deliver). */
  body?: unknown;
  expiresAt?: Date;
}

function setClause(u: OutboxUpdate): SQL {
  const parts: SQL[] = [];
  if (u.status !== undefined) parts.push(sql`status = ${u.status}`);
  if (u.attempted) parts.push(sql`attempts = attempts + 1`);
  if (u.nextAttemptAt !== undefined) parts.push(sql`next_attempt_at = ${iso(u.nextAttemptAt)}::timestamptz`);
  if (u.lastError !== undefined) parts.push(sql`last_error = ${u.lastError}`);
  if (u.deliveredAt !== undefined) parts.push(u.deliveredAt === null ? sql`delivered_at = null` : sql`delivered_at = ${iso(u.deliveredAt)}::timestamptz`);
  if (u.body !== undefined) parts.push(sql`body = ${JSON.stringify(u.body)}::jsonb`);
  if (u.expiresAt !== undefined) parts.push(sql`expires_at = ${iso(u.expiresAt)}::timestamptz`);
  return sql.join(parts, sql`, `);
}

export interface EventsUpdate {
  delivery: Delivery;
  tiktokCode?: number | null;
  tiktokMessage?: string | null;
  /** Only these server_events rows (default: every row of the outbox entry still `queued`). */
  ids?: number[];
}

/**
 * Updates an outbox row and the server_events it carried in one statement (atomic on both
 * drivers, one round trip on the relay's hot path).
 */
export async function updateOutboxAndEvents(db: Db, id: number, outbox: OutboxUpdate, events?: EventsUpdate): Promise<void> {
  if (!events) {
    await db.execute(sql`update relay_outbox set ${setClause(outbox)} where id = ${id}`);
    return;
  }
  const which = events.ids
    ? sql`id in (${sql.join(events.ids.map((i) => sql`${i}`), sql`, `)})`
    : sql`delivery = 'queued'`;
  const eventsSet = sql`delivery = ${events.delivery}, tiktok_code = ${events.tiktokCode ?? null}::int, tiktok_message = ${events.tiktokMessage ?? null}`;
  if (events.ids && events.ids.length === 0) {
    await db.execute(sql`update relay_outbox set ${setClause(outbox)} where id = ${id}`);
    return;
  }
  await db.execute(
    sql`with o as (update relay_outbox set ${setClause(outbox)} where id = ${id} returning id)
        update server_events set ${eventsSet}
        where outbox_id = ${id} and ${which} and exists (select 1 from o)`,
  );
}

/** Sets the delivery of specific server_events rows (a split batch's accepted or refused part). */
export async function setEventsDelivery(db: Db, ids: number[], update: Omit<EventsUpdate, 'ids'>): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await db.execute(
      sql`update server_events
          set delivery = ${update.delivery}, tiktok_code = ${update.tiktokCode ?? null}::int, tiktok_message = ${update.tiktokMessage ?? null}
          where id in (${sql.join(chunk.map((x) => sql`${x}`), sql`, `)})`,
    );
  }
}

/** The server_events of an outbox entry, in event order (ids follow `data[]`). */
export async function eventsOfOutbox(db: Db, outboxId: number): Promise<{ id: number; eventId: string | null; delivery: Delivery }[]> {
  return db
    .select({ id: serverEvents.id, eventId: serverEvents.eventId, delivery: serverEvents.delivery })
    .from(serverEvents)
    .where(eq(serverEvents.outboxId, outboxId))
    .orderBy(asc(serverEvents.id));
}

export interface OutboxListItem {
  id: number;
  storeId: string;
  status: OutboxStatus;
  events: number;
  attempts: number;
  nextAttemptAt: Date;
  expiresAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export async function listOutbox(
  db: Db,
  q: { storeId?: string; status?: OutboxStatus; limit?: number } = {},
): Promise<OutboxListItem[]> {
  return db
    .select({
      id: relayOutbox.id,
      storeId: relayOutbox.storeId,
      status: relayOutbox.status,
      events: sql<number>`coalesce(jsonb_array_length(case when jsonb_typeof(${relayOutbox.body}->'data') = 'array' then ${relayOutbox.body}->'data' end), 0)::int`,
      attempts: relayOutbox.attempts,
      nextAttemptAt: relayOutbox.nextAttemptAt,
      expiresAt: relayOutbox.expiresAt,
      lastError: relayOutbox.lastError,
      createdAt: relayOutbox.createdAt,
      deliveredAt: relayOutbox.deliveredAt,
    })
    .from(relayOutbox)
    .where(and(q.storeId ? eq(relayOutbox.storeId, q.storeId) : undefined, q.status ? eq(relayOutbox.status, q.status) : undefined))
    .orderBy(desc(relayOutbox.id))
    .limit(q.limit ?? 100);
}

export async function countOutboxByStatus(db: Db, storeId?: string): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .select({ status: relayOutbox.status, n: sql<number>`count(*)::int` })
    .from(relayOutbox)
    .where(storeId ? eq(relayOutbox.storeId, storeId) : undefined)
    .groupBy(relayOutbox.status);
  const out: Record<OutboxStatus, number> = { pending: 0, delivered: 0, dead: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

/** When the earliest pending row falls due (null when nothing is pending). */
export async function nextOutboxDueAt(db: Db): Promise<Date | null> {
  const [row] = await selectRows<{ t: string | Date | null }>(
    db,
    sql`select min(next_attempt_at) as t from relay_outbox where status = 'pending'`,
  );
  return row?.t ? toDate(row.t) : null;
}

/**
 * Puts dead rows (or one pending/dead row) back in the queue: due now, with a fresh horizon
 * from each store's `outbox_horizon_hours`; their dead events become queued again.
 * Returns the ids requeued.
 */
export async function requeueOutbox(db: Db, q: { id?: number; storeId?: string; now: Date }): Promise<number[]> {
  const which = q.id !== undefined ? sql`o.id = ${q.id} and o.status in ('dead', 'pending')` : sql`o.status = 'dead'`;
  const store = q.storeId ? sql`and o.store_id = ${q.storeId}` : sql``;
  return db.transaction(async (tx) => {
    const rows = await selectRows<{ id: string | number }>(
      tx,
      sql`update relay_outbox o
          set status = 'pending', next_attempt_at = ${iso(q.now)}::timestamptz,
              expires_at = ${iso(q.now)}::timestamptz + make_interval(hours => s.outbox_horizon_hours)
          from stores s
          where s.id = o.store_id and ${which} ${store}
          returning o.id`,
    );
    const ids = rows.map((r) => Number(r.id));
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      await tx.execute(
        sql`update server_events set delivery = 'queued', tiktok_code = null, tiktok_message = null
            where outbox_id in (${sql.join(chunk.map((x) => sql`${x}`), sql`, `)}) and delivery = 'dead'`,
      );
    }
    return ids.sort((a, b) => a - b);
  });
}

/**
 * Deletes delivered and dead rows older than their store's retention period: their bodies hold
 * hashes, IP and user agent, which are purged on that schedule (DESIGN.md §7).
 */
export async function purgeOutbox(db: Db, now: Date): Promise<number> {
  const rows = await selectRows<{ id: string | number }>(
    db,
    sql`delete from relay_outbox o using stores s
        where s.id = o.store_id and o.status in ('delivered', 'dead')
          and o.created_at < ${iso(now)}::timestamptz - make_interval(days => s.retention_days)
        returning o.id`,
  );
  return rows.length;
}
