import { describe, expect, it } from 'vitest';
import { EventLedger, type IncomingEvent, type Leg } from '@/sandbox/tiktok/ledger';

const T0 = Date.UTC(2026, 5, 1, 12) / 1000;
const MINUTE = 60;
const HOUR = 3600;

function incoming(leg: Leg, eventTime: number, overrides: Partial<IncomingEvent> = {}): IncomingEvent {
  return {
    pixelCode: 'CPIXEL',
    leg,
    event: 'Purchase',
    eventId: 'order-1',
    eventTime,
    testEventCode: null,
    ttclid: null,
    ttp: null,
    matchKeys: [],
    value: null,
    currency: null,
    orderId: null,
    ...overrides,
  };
}

function statusesAfter(events: IncomingEvent[]) {
  const ledger = new EventLedger(() => 0);
  ledger.record(events);
  return ledger
    .list()
    .sort((a, b) => a.eventTime - b.eventTime || a.leg.localeCompare(b.leg))
    .map((event) => `${event.leg}@${event.eventTime - T0}:${event.status}`);
}

describe('EventLedger window boundaries', () => {
  it('merges the other leg at exactly 5 min and drops it 1 s later', () => {
    expect(statusesAfter([incoming('browser', T0), incoming('server', T0 + 5 * MINUTE)])).toEqual([
      'browser@0:counted',
      'server@300:merged',
    ]);
    expect(statusesAfter([incoming('browser', T0), incoming('server', T0 + 5 * MINUTE + 1)])).toEqual([
      'browser@0:counted',
      'server@301:dropped',
    ]);
  });

  it('drops a repeat at exactly 48 h and counts it 1 s later', () => {
    expect(statusesAfter([incoming('server', T0), incoming('server', T0 + 48 * HOUR)])).toEqual([
      'server@0:counted',
      'server@172800:dropped',
    ]);
    expect(statusesAfter([incoming('server', T0), incoming('server', T0 + 48 * HOUR + 1)])).toEqual([
      'server@0:counted',
      'server@172801:counted',
    ]);
  });

  it('drops a same-leg repeat even inside the merge window', () => {
    expect(statusesAfter([incoming('browser', T0), incoming('browser', T0 + MINUTE), incoming('server', T0 + 2 * MINUTE)])).toEqual([
      'browser@0:counted',
      'browser@60:dropped',
      'server@120:merged',
    ]);
  });

  it('lets the browser leg win a tie in event time', () => {
    expect(statusesAfter([incoming('server', T0), incoming('browser', T0)])).toEqual(['browser@0:counted', 'server@0:merged']);
  });
});

describe('EventLedger determinism', () => {
  const history = [
    incoming('browser', T0),
    incoming('server', T0 + 2 * MINUTE, { ttclid: 'E.C.P.1', matchKeys: ['ttclid'] }),
    incoming('server', T0 + 30 * HOUR),
    incoming('browser', T0 + 50 * HOUR),
    incoming('server', T0 + 50 * HOUR + 10 * MINUTE),
    incoming('browser', T0 + 99 * HOUR),
  ];

  it('gives the same statuses and daily counts whatever order the events arrive in', () => {
    const reference = statusesAfter(history);
    expect(reference).toEqual([
      'browser@0:counted',
      'server@120:merged',
      'server@108000:dropped',
      'browser@180000:counted',
      'server@180600:dropped',
      'browser@356400:counted',
    ]);
    for (const order of [[5, 4, 3, 2, 1, 0], [2, 0, 5, 1, 4, 3], [1, 3, 5, 0, 2, 4]]) {
      const ledger = new EventLedger(() => 0);
      for (const index of order) ledger.record([history[index]]);
      expect(statusesAfter(order.map((index) => history[index]))).toEqual(reference);
      const days = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05'];
      expect(ledger.countsOver('CPIXEL', days).get('Purchase')).toEqual({ browser: 3, server: 0, attributed: 1, preview: 0 });
    }
  });

  it('moves counts between days when a later-recorded event turns out to be first', () => {
    const ledger = new EventLedger(() => 0);
    ledger.record([incoming('server', Date.UTC(2026, 5, 2, 0, 1) / 1000)]);
    expect(ledger.countsOver('CPIXEL', ['2026-06-02']).get('Purchase')?.server).toBe(1);
    ledger.record([incoming('browser', Date.UTC(2026, 5, 1, 23, 58) / 1000)]);
    expect(ledger.countsOver('CPIXEL', ['2026-06-02']).get('Purchase')?.server).toBe(0);
    expect(ledger.countsOver('CPIXEL', ['2026-06-01']).get('Purchase')?.browser).toBe(1);
  });
});

/** The rules in their plainest form: sort once, scan once. The ledger must agree with it. */
function referenceStatuses(events: IncomingEvent[]): string[] {
  const order = events
    .map((event, seq) => ({ ...event, seq }))
    .sort((a, b) => a.eventTime - b.eventTime || (a.leg === b.leg ? 0 : a.leg === 'browser' ? -1 : 1) || a.seq - b.seq);
  const result: string[] = new Array(events.length);
  let anchor: (typeof order)[number] | null = null;
  let legs = new Set<Leg>();
  for (const event of order) {
    if (!anchor || event.eventTime - anchor.eventTime > 48 * HOUR) {
      anchor = event;
      legs = new Set([event.leg]);
      result[event.seq] = 'counted';
    } else {
      const merged = !legs.has(event.leg) && event.eventTime - anchor.eventTime <= 5 * MINUTE;
      result[event.seq] = merged ? 'merged' : 'dropped';
      legs.add(event.leg);
    }
  }
  return result;
}

describe('EventLedger incremental settling', () => {
  function randomHistory(random: () => number, size: number): IncomingEvent[] {
    return Array.from({ length: size }, () =>
      incoming(random() < 0.5 ? 'browser' : 'server', T0 + Math.floor(random() * 6 * 24) * 20 * MINUTE, {
        ttclid: random() < 0.3 ? 'E.C.P.x' : null,
      }),
    );
  }

  it('agrees with a full recompute for random histories posted in random orders', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const history = randomHistory(random, 2 + Math.floor(random() * 25));
      const order = history.map((_, i) => i).sort(() => random() - 0.5);
      const ledger = new EventLedger(() => 0);
      for (const index of order) ledger.record([history[index]]);

      const expected = referenceStatuses(order.map((index) => history[index]));
      expect(ledger.list().map((event) => event.status)).toEqual(expected);

      const counted = ledger.list().filter((event) => event.status === 'counted');
      const totals = { browser: 0, server: 0, attributed: 0 };
      for (const counts of ledger.countsOver('CPIXEL', ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05', '2026-06-06', '2026-06-07']).values()) {
        totals.browser += counts.browser;
        totals.server += counts.server;
        totals.attributed += counts.attributed;
      }
      expect(totals.browser + totals.server).toBe(counted.length);
      const attributed = counted.filter(
        (event) => event.ttclid !== null || ledger.list().some((other) => other.status === 'merged' && other.duplicateOf === event.seq && other.ttclid !== null),
      );
      expect(totals.attributed).toBe(attributed.length);
    }
  });

  it('stays linear when one event_id is reused for everything', { timeout: 60_000 }, () => {
    const ledger = new EventLedger(() => 0);
    const started = performance.now();
    // A load test posting one fixed body, then a sender stamping every order with the same id.
    for (let i = 0; i < 25_000; i++) ledger.record([incoming('server', T0)]);
    for (let i = 0; i < 25_000; i++) ledger.record([incoming(i % 2 ? 'server' : 'browser', T0 + i * 30)]);
    // 208 h of orders: five 48 h windows, each merging the other leg 30 s after it starts.
    expect(ledger.summarize(ledger.list())).toEqual({ received: 50_000, counted: 5, merged: 5, dropped: 49_990, test: 0 });
    // A guard against quadratic settling (minutes here), not a benchmark: linear takes about a second.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
