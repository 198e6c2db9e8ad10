import { canonicalEventName } from '@/lib/tiktok/events';

/** Which leg delivered an event: the browser pixel or the Events API. */
export type Leg = 'browser' | 'server';

/** 48 h: the dedup window for any repeat of the first event. */
export const DEDUP_WINDOW_SECONDS = 48 * 3600;
/** 5 min: a repeat from the other leg inside this is merged into the first. */
export const MERGE_WINDOW_SECONDS = 5 * 60;

export interface IncomingEvent {
  pixelCode: string;
  leg: Leg;
  event: string;
  eventId: string | null;
  /** Unix seconds. Also the arrival time for dedup windows, so seeded history is deterministic. */
  eventTime: number;
  testEventCode: string | null;
  ttclid: string | null;
  ttp: string | null;
  /** Names of the match keys present (email, phone, external_id, ttclid, ttp, ip, user_agent). */
  matchKeys: string[];
  value: number | null;
  currency: string | null;
  orderId: string | null;
}

export type LedgerStatus = 'counted' | 'merged' | 'dropped' | 'test';
export type DropReason = 'same_leg_repeat' | 'cross_leg_after_merge_window';

export interface LedgerEvent extends IncomingEvent {
  /** Order of receipt, from 1. */
  seq: number;
  /** `CompletePayment` → `Purchase`, `SubmitForm` → `Lead`: TikTok treats legacy names as the new ones. */
  canonicalEvent: string;
  /** `event_id:<id>`, else `ttp:<ttp>`, else null (never deduplicated). */
  dedupKey: string | null;
  receivedAt: string;
  status: LedgerStatus;
  /** For merged/dropped events: the seq of the counted event they duplicate. */
  duplicateOf: number | null;
  dropReason: DropReason | null;
  /** Counted events only: own match keys plus those of events merged into it. */
  enrichedMatchKeys: string[] | null;
  /** Counted events only: carries a ttclid, itself or through a merged event. */
  attributed: boolean;
}

export interface EventCounts {
  browser: number;
  server: number;
  attributed: number;
  /** Test events (`test_event_code`), which never count. */
  preview: number;
}

export interface LedgerFilter {
  pixelCode?: string;
  eventId?: string;
  status?: LedgerStatus;
}

export interface LedgerSummary {
  received: number;
  counted: number;
  merged: number;
  dropped: number;
  test: number;
}

interface Contribution {
  aggregateKey: string;
  canonicalEvent: string;
  leg: Leg;
  attributed: boolean;
}

/** An event in its dedup group, with the scan state after it (so a later insert can resume there). */
interface Entry {
  event: LedgerEvent;
  /** The counted entry whose window this one falls in (itself when counted). */
  anchor: Entry | null;
  /** Legs seen in that window up to and including this entry, as LEG_BIT flags. */
  legs: number;
  /** Counted entries: the other-leg event merged into this one. */
  merged: Entry | null;
  /** Counted entries: what this entry currently adds to the daily counts. */
  contribution: Contribution | null;
}

const LEG_ORDER: Record<Leg, number> = { browser: 0, server: 1 };
const LEG_BIT: Record<Leg, number> = { browser: 1, server: 2 };

/**
 * Every event the fake received and what TikTok would have counted.
 *
 * Dedup is decided on event time, not on the order requests happen to arrive: a group (same pixel,
 * canonical event name and dedup key) is kept sorted by (event_time, browser before server, seq),
 * and TikTok's rules are applied as a left-to-right scan. An insert resumes the scan from the
 * entry before it and stops once the scan state matches what it was, so appends cost O(1) even
 * when a sender reuses one event_id for everything (an out-of-order insert also shifts the group
 * array, which only shows with tens of thousands of events on one id). A seeded history gives the
 * same counts whichever leg the simulator posts first.
 */
export class EventLedger {
  private events: LedgerEvent[] = [];
  private eventsByPixel = new Map<string, LedgerEvent[]>();
  private groups = new Map<string, Entry[]>();
  /** `${pixelCode}|${UTC day number}` → canonical event → counts, by UTC day of event time. */
  private countsByPixelDay = new Map<string, Map<string, EventCounts>>();

  constructor(private readonly clock: () => number) {}

  record(incoming: readonly IncomingEvent[]): void {
    const receivedAt = new Date(this.clock()).toISOString();
    for (const event of incoming) this.recordOne(event, receivedAt);
  }

  private recordOne(incoming: IncomingEvent, receivedAt: string): void {
    const canonicalEvent = canonicalEventName(incoming.event);
    const dedupKey = incoming.eventId ? `event_id:${incoming.eventId}` : incoming.ttp ? `ttp:${incoming.ttp}` : null;
    const event: LedgerEvent = {
      ...incoming,
      seq: this.events.length + 1,
      canonicalEvent,
      dedupKey,
      receivedAt,
      status: incoming.testEventCode ? 'test' : 'counted',
      duplicateOf: null,
      dropReason: null,
      enrichedMatchKeys: null,
      attributed: false,
    };
    this.events.push(event);
    const pixelEvents = this.eventsByPixel.get(event.pixelCode) ?? [];
    pixelEvents.push(event);
    this.eventsByPixel.set(event.pixelCode, pixelEvents);

    if (event.status === 'test') {
      this.countsFor(aggregateKey(event.pixelCode, event.eventTime), canonicalEvent).preview++;
      return;
    }
    const entry: Entry = { event, anchor: null, legs: 0, merged: null, contribution: null };
    if (dedupKey === null) {
      this.settle([entry], 0);
      return;
    }
    const groupKey = `${event.pixelCode}\u0000${canonicalEvent}\u0000${dedupKey}`;
    const group = this.groups.get(groupKey) ?? [];
    this.groups.set(groupKey, group);
    const position = insertionPoint(group, entry);
    group.splice(position, 0, entry);
    this.settle(group, position);
  }

  /** Re-applies TikTok's rules from `from` on, until the scan state matches the previous one. */
  private settle(group: Entry[], from: number): void {
    const touched = new Set<Entry>();
    let anchor = from > 0 ? group[from - 1].anchor : null;
    let legs = from > 0 ? group[from - 1].legs : 0;

    for (let i = from; i < group.length; i++) {
      const entry = group[i];
      const { event } = entry;
      const before = { anchor: entry.anchor, legs: entry.legs, status: event.status };
      let status: LedgerStatus = 'counted';
      let dropReason: DropReason | null = null;

      if (!anchor || event.eventTime - anchor.event.eventTime > DEDUP_WINDOW_SECONDS) {
        // A window this entry did not start before: its merge partner, if any, comes later in this scan.
        if (before.anchor !== entry) entry.merged = null;
        anchor = entry;
        legs = LEG_BIT[event.leg];
      } else {
        const sameLegRepeat = (legs & LEG_BIT[event.leg]) !== 0;
        const merged = !sameLegRepeat && event.eventTime - anchor.event.eventTime <= MERGE_WINDOW_SECONDS;
        status = merged ? 'merged' : 'dropped';
        dropReason = merged ? null : sameLegRepeat ? 'same_leg_repeat' : 'cross_leg_after_merge_window';
        legs |= LEG_BIT[event.leg];
        if (merged) anchor.merged = entry;
      }

      if (i > from && before.anchor === anchor && before.legs === legs && before.status === status) break;

      if (before.anchor?.merged === entry && !(status === 'merged' && before.anchor === anchor)) {
        before.anchor.merged = null;
      }
      entry.anchor = anchor;
      entry.legs = legs;
      event.status = status;
      event.dropReason = dropReason;
      event.duplicateOf = anchor === entry ? null : anchor.event.seq;
      touched.add(anchor);
      if (before.anchor) touched.add(before.anchor);
    }
    for (const entry of touched) this.recount(entry);
  }

  /** Moves an entry's share of the daily counts to match its current status and merge partner. */
  private recount(entry: Entry): void {
    if (entry.contribution) {
      this.apply(entry.contribution, -1);
      entry.contribution = null;
    }
    const { event } = entry;
    if (entry.anchor !== entry) {
      event.enrichedMatchKeys = null;
      event.attributed = false;
      return;
    }
    // The later event's keys enrich the first, which is the one that counts.
    const partner = entry.merged?.event;
    event.enrichedMatchKeys = partner ? union(event.matchKeys, partner.matchKeys) : [...event.matchKeys];
    event.attributed = event.ttclid !== null || (partner !== undefined && partner.ttclid !== null);
    entry.contribution = {
      aggregateKey: aggregateKey(event.pixelCode, event.eventTime),
      canonicalEvent: event.canonicalEvent,
      leg: event.leg,
      attributed: event.attributed,
    };
    this.apply(entry.contribution, +1);
  }

  private apply(contribution: Contribution, delta: 1 | -1): void {
    const counts = this.countsFor(contribution.aggregateKey, contribution.canonicalEvent);
    counts[contribution.leg] += delta;
    if (contribution.attributed) counts.attributed += delta;
  }

  private countsFor(key: string, canonicalEvent: string): EventCounts {
    let byEvent = this.countsByPixelDay.get(key);
    if (!byEvent) this.countsByPixelDay.set(key, (byEvent = new Map()));
    let counts = byEvent.get(canonicalEvent);
    if (!counts) byEvent.set(canonicalEvent, (counts = { browser: 0, server: 0, attributed: 0, preview: 0 }));
    return counts;
  }

  /** Counts per canonical event name, summed over the given UTC days. */
  countsOver(pixelCode: string, days: readonly string[]): Map<string, EventCounts> {
    const totals = new Map<string, EventCounts>();
    for (const day of days) {
      const dayNumber = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000 / SECONDS_PER_DAY);
      for (const [event, counts] of this.countsByPixelDay.get(`${pixelCode}|${dayNumber}`) ?? []) {
        const total = totals.get(event) ?? { browser: 0, server: 0, attributed: 0, preview: 0 };
        total.browser += counts.browser;
        total.server += counts.server;
        total.attributed += counts.attributed;
        total.preview += counts.preview;
        totals.set(event, total);
      }
    }
    return totals;
  }

  list(filter: LedgerFilter = {}): LedgerEvent[] {
    const source = filter.pixelCode === undefined ? this.events : (this.eventsByPixel.get(filter.pixelCode) ?? []);
    return source.filter(
      (event) =>
        (filter.eventId === undefined || event.eventId === filter.eventId) &&
        (filter.status === undefined || event.status === filter.status),
    );
  }

  summarize(events: readonly LedgerEvent[]): LedgerSummary {
    const summary: LedgerSummary = { received: events.length, counted: 0, merged: 0, dropped: 0, test: 0 };
    for (const event of events) summary[event.status]++;
    return summary;
  }

  clear(): void {
    this.events = [];
    this.eventsByPixel = new Map();
    this.groups = new Map();
    this.countsByPixelDay = new Map();
  }
}

const SECONDS_PER_DAY = 86_400;

/** Keyed by day number rather than date text: formatting a Date per event is measurably slow. */
function aggregateKey(pixelCode: string, eventTime: number): string {
  return `${pixelCode}|${Math.floor(eventTime / SECONDS_PER_DAY)}`;
}

/** After every entry that arrives no later; the new entry has the highest seq, so it goes last among equals. */
function insertionPoint(group: readonly Entry[], entry: Entry): number {
  let low = 0;
  let high = group.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareArrival(group[middle].event, entry.event) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function compareArrival(a: LedgerEvent, b: LedgerEvent): number {
  return a.eventTime - b.eventTime || LEG_ORDER[a.leg] - LEG_ORDER[b.leg] || a.seq - b.seq;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
