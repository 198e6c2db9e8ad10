/**
 * What Signalwatch records of each server-leg event, whichever door it came through (the
 * relay, an NDJSON import, a resend): name, event_id, the order it belongs to, which match keys
 * carry a valid value, lint codes, and what happened to its delivery.
 */
import type { Db } from '@/db/client';
import { insertServerEvents, type NewServerEventRow } from '@/db/queries/server-events';
import type { Store } from '@/db/queries/stores';
import { lintEvent, matchKeysPresent } from '@/lib/identity';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A regex that reads the order id back out of an event_id built with the store's template. */
export function eventIdPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{order_id\\}', '(.+?)');
  return new RegExp(`^${escaped}$`);
}

export function orderIdOf(event: unknown, template: string): string | null {
  if (!isObject(event)) return null;
  const props = isObject(event.properties) ? event.properties : {};
  const fromProps = props.order_id;
  if (typeof fromProps === 'string' && fromProps.trim()) return fromProps.trim();
  if (typeof fromProps === 'number') return String(fromProps);
  const id = event.event_id;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  const m = eventIdPattern(template).exec(String(id));
  return m?.[1] ?? null;
}

/**
 * Postgres text cannot hold U+0000 or an unpaired surrogate half, which JSON allows: one such
 * value would fail the whole batch of observations on every retry. Recorded as near as storable.
 */
export function storableText(v: string): string {
  return v.replace(/\u0000/g, '').replace(/\p{Cs}/gu, '\uFFFD');
}
const text = (v: string | null): string | null => (v === null ? null : storableText(v));

function eventTime(v: unknown): Date | null {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return null;
  // Milliseconds are a lint error, but the time is still known.
  return new Date(n > 1e11 ? n : n * 1000);
}

export interface ObservationContext {
  source: NewServerEventRow['source'];
  delivery: NewServerEventRow['delivery'];
  testEventCode?: string | null;
  tiktokCode?: number | null;
  tiktokMessage?: string | null;
  outboxId?: number | null;
  receivedAt?: Date;
  /** Paths fixed per event index (relay fix mode). */
  fixesByIndex?: Map<number, string[]>;
  /** Lint codes seen on the raw event before fixing (fix mode records what was wrong). */
  rawLintByIndex?: Map<number, string[]>;
}

export function toServerEventRow(
  store: Pick<Store, 'id' | 'eventIdTemplate'>,
  event: unknown,
  index: number,
  ctx: ObservationContext,
): NewServerEventRow {
  const e = isObject(event) ? event : {};
  const props = isObject(e.properties) ? e.properties : {};
  const keys = matchKeysPresent(e.user);
  const lint = ctx.rawLintByIndex?.get(index) ?? [...new Set(lintEvent(event, index).map((i) => i.code))];
  const value = typeof props.value === 'number' && Number.isFinite(props.value) ? props.value : null;
  return {
    storeId: store.id,
    receivedAt: ctx.receivedAt ?? new Date(),
    source: ctx.source,
    eventTime: eventTime(e.event_time),
    eventName: typeof e.event === 'string' ? storableText(e.event) : null,
    eventId: typeof e.event_id === 'string' || typeof e.event_id === 'number' ? storableText(String(e.event_id)) : null,
    orderId: text(orderIdOf(event, store.eventIdTemplate)),
    testEventCode: text(ctx.testEventCode ?? null),
    value: value !== null && Math.abs(value) < 1e11 ? value : null,
    currency: typeof props.currency === 'string' ? storableText(props.currency.slice(0, 8)) : null,
    hasEmail: keys.email,
    hasPhone: keys.phone,
    hasExternalId: keys.external_id,
    hasTtclid: keys.ttclid,
    hasTtp: keys.ttp,
    hasIp: keys.ip,
    hasUserAgent: keys.user_agent,
    lintCodes: lint,
    fixes: ctx.fixesByIndex?.get(index) ?? [],
    delivery: ctx.delivery,
    tiktokCode: ctx.tiktokCode ?? null,
    tiktokMessage: text(ctx.tiktokMessage ?? null),
    outboxId: ctx.outboxId ?? null,
  };
}

/** Records the events of one Events API body; returns the new row ids in event order. */
export async function recordServerEvents(
  db: Db,
  store: Pick<Store, 'id' | 'eventIdTemplate'>,
  events: unknown[],
  ctx: ObservationContext,
): Promise<number[]> {
  return insertServerEvents(db, events.map((e, i) => toServerEventRow(store, e, i, ctx)));
}
