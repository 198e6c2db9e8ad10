import { HASHED_FIELDS, hashRawPii, isSha256HexAnyCase } from '@/lib/identity';
import { MAX_EVENTS_PER_REQUEST, type EventsApiBody, type EventsApiEvent } from './types';

/** TikTok converts the pre-May-2025 names itself, so both spellings are one event. */
const LEGACY_EVENT_NAMES: Readonly<Record<string, string>> = {
  CompletePayment: 'Purchase',
  SubmitForm: 'Lead',
};

export const PURCHASE_EVENT_NAMES: readonly string[] = ['CompletePayment', 'Purchase'];

export function canonicalEventName(event: string): string {
  return LEGACY_EVENT_NAMES[event] ?? event;
}

export function isPurchaseEvent(event: string): boolean {
  return PURCHASE_EVENT_NAMES.includes(event);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Splits events into request-sized batches (at most 1,000, TikTok's limit). */
export function chunkEvents<T>(events: readonly T[], size: number = MAX_EVENTS_PER_REQUEST): T[][] {
  if (size > MAX_EVENTS_PER_REQUEST) throw new RangeError(`TikTok accepts at most ${MAX_EVENTS_PER_REQUEST} events per request`);
  return chunk(events, size);
}

/**
 * The body as it goes on the wire: a numeric `event_id` becomes a string (TikTok refuses numbers),
 * and hashed keys only: a raw email, phone or external id is normalized and hashed here, or dropped
 * when it cannot be (a national phone number: callers hash with the store's country first).
 */
export function toWireBody(body: EventsApiBody): EventsApiBody {
  const safe = body.data.some(hasRawPii) ? (hashRawPii(body).body as EventsApiBody) : body;
  if (!safe.data.some((event) => typeof event.event_id === 'number')) return safe;
  return { ...safe, data: safe.data.map(withStringEventId) };
}

function hasRawPii(event: EventsApiEvent): boolean {
  const user = event.user as Record<string, unknown> | undefined;
  if (!user) return false;
  return HASHED_FIELDS.some((key) => {
    const value = user[key];
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => typeof v === 'string' && v !== '' && !isSha256HexAnyCase(v));
  });
}

function withStringEventId(event: EventsApiEvent): EventsApiEvent {
  return typeof event.event_id === 'number' ? { ...event, event_id: String(event.event_id) } : event;
}
