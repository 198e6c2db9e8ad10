/**
 * What TikTok counts of one order's events, by its published dedup rules (reference:
 * tiktok-events-api.md "Deduplication"), written independently of the fake's ledger:
 * events are grouped by purchase name (CompletePayment ≡ Purchase) and event_id (else `_ttp`,
 * else never deduplicated); in each group, in event-time order (browser first on ties), the first
 * event counts; a repeat within 48 h is dropped (or merged into the first when it comes from
 * the other leg within 5 minutes); after 48 h a repeat counts again. Test events never count.
 */
import type { TikTokCountedEvent } from './types';

export interface LegEvent {
  leg: 'browser' | 'server';
  event: string;
  eventId: string | null;
  ttp: string | null;
  ttclid: string | null;
  /** Unix seconds. */
  eventTime: number;
  test: boolean;
}

const DEDUP_WINDOW = 48 * 3600;
const MERGE_WINDOW = 5 * 60;
const canonical = (name: string) => (name === 'CompletePayment' ? 'Purchase' : name);

export function countedByTikTok(events: readonly LegEvent[]): TikTokCountedEvent[] {
  const groups = new Map<string, { e: LegEvent; seq: number }[]>();
  const counted: TikTokCountedEvent[] = [];
  events.forEach((e, seq) => {
    if (e.test) return;
    const key = e.eventId ? `id:${e.eventId}` : e.ttp ? `ttp:${e.ttp}` : null;
    if (key === null) {
      counted.push({ leg: e.leg, eventTime: e.eventTime, attributed: e.ttclid !== null });
      return;
    }
    const groupKey = `${canonical(e.event)}\u0000${key}`;
    const group = groups.get(groupKey) ?? [];
    group.push({ e, seq });
    groups.set(groupKey, group);
  });
  for (const group of groups.values()) {
    group.sort((a, b) => a.e.eventTime - b.e.eventTime || legOrder(a.e) - legOrder(b.e) || a.seq - b.seq);
    let anchor: { e: LegEvent; out: TikTokCountedEvent } | null = null;
    let legs = new Set<string>();
    for (const { e } of group) {
      if (!anchor || e.eventTime - anchor.e.eventTime > DEDUP_WINDOW) {
        const out = { leg: e.leg, eventTime: e.eventTime, attributed: e.ttclid !== null };
        counted.push(out);
        anchor = { e, out };
        legs = new Set([e.leg]);
        continue;
      }
      const mergedIntoFirst = !legs.has(e.leg) && e.eventTime - anchor.e.eventTime <= MERGE_WINDOW;
      // The later event's keys enrich the first; a ttclid it carries makes the count attributed.
      if (mergedIntoFirst && e.ttclid !== null) anchor.out.attributed = true;
      legs.add(e.leg);
    }
  }
  return counted.sort((a, b) => a.eventTime - b.eventTime);
}

const legOrder = (e: LegEvent) => (e.leg === 'browser' ? 0 : 1);
