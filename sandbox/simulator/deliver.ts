/**
 * Packing the simulator's payloads for delivery: Events API request bodies (one per test code,
 * at most 1,000 events each, in send order) and the fake TikTok's pixel intake.
 */
import type { EventsApiBody } from '@/lib/tiktok/types';
import type { PixelTrackEvent, SimulatedOrder, SimulatedServerEvent } from './types';

const MAX_EVENTS = 1000;

export interface ServerBatch {
  body: EventsApiBody;
  /** The events of `body.data`, with their send times. */
  events: SimulatedServerEvent[];
  testEventCode: string | null;
}

export interface ServerBatchOptions {
  /** Events per request, at most 1,000 (default). */
  size?: number;
  /** One request (or more) per UTC day of sending, as a shop sending all day would. */
  byDay?: boolean;
}

/**
 * Server events of the orders as Events API bodies: grouped by test code (and send day), in send
 * order, ≤ 1,000 events each. Batches come out in send order.
 */
export function serverBatches(orders: readonly SimulatedOrder[], pixelCode: string, opts: ServerBatchOptions = {}): ServerBatch[] {
  const size = Math.min(opts.size ?? MAX_EVENTS, MAX_EVENTS);
  const groups = new Map<string, { code: string; events: SimulatedServerEvent[] }>();
  for (const o of orders) {
    for (const e of o.serverEvents) {
      const code = e.testEventCode ?? '';
      const key = opts.byDay ? `${e.sentAt.toISOString().slice(0, 10)}|${code}` : code;
      const group = groups.get(key) ?? { code, events: [] };
      group.events.push(e);
      groups.set(key, group);
    }
  }
  const batches: ServerBatch[] = [];
  for (const { code, events } of groups.values()) {
    events.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
    for (let i = 0; i < events.length; i += size) {
      const slice = events.slice(i, i + size);
      batches.push({
        testEventCode: code || null,
        events: slice,
        body: {
          event_source: 'web',
          event_source_id: pixelCode,
          ...(code ? { test_event_code: code } : {}),
          data: slice.map((e) => e.event),
        },
      });
    }
  }
  const lastSent = (b: ServerBatch) => b.events[b.events.length - 1]!.sentAt.getTime();
  return batches.sort((a, b) => lastSent(a) - lastSent(b));
}

export function pixelEventsOf(orders: readonly SimulatedOrder[]): PixelTrackEvent[] {
  return orders.flatMap((o) => (o.pixelEvent ? [o.pixelEvent] : []));
}

/** Posts pixel events to the fake TikTok's `/sandbox/pixel/track` in batches of ≤ 1,000. */
export async function deliverPixelEvents(fakeTikTokUrl: string, events: readonly PixelTrackEvent[], size = MAX_EVENTS): Promise<number> {
  let delivered = 0;
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    const response = await fetch(`${fakeTikTokUrl.replace(/\/+$/, '')}/sandbox/pixel/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: batch }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`fake TikTok refused pixel events (${response.status}): ${text.slice(0, 300)}`);
    delivered += batch.length;
  }
  return delivered;
}
