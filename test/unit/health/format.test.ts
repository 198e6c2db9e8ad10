import { describe, expect, it } from 'vitest';
import {
  LOST_BROWSER_CAUSES,
  buildBridge,
  fmtInt,
  fmtPct,
  fmtSigned,
  formatBridge,
  formatHealthReport,
  matchQuality,
  type HealthReport,
  type SegmentRow,
} from '@/lib/health';

const causes = { consent_denied: 30, ad_blocker: 60, slow_page: 25, no_confirmation_view: 40, pixel_not_fired: 5 };

function segment(name: string, orders: number): SegmentRow {
  return {
    segment: name,
    orders,
    browser: Math.round(orders * 0.8),
    server: Math.round(orders * 0.9),
    either: Math.round(orders * 0.95),
    both: Math.round(orders * 0.75),
    doubleCounts: 0,
    lostBothLegs: orders - Math.round(orders * 0.95),
    lostBrowser: orders - Math.round(orders * 0.8),
    lostServer: orders - Math.round(orders * 0.9),
    browserCoverage: 0.8,
    serverCoverage: 0.9,
    eitherCoverage: 0.95,
    bothCoverage: 0.75,
    modelledGap: 0.05,
    lostBrowserCauses: { consent_denied: 0, ad_blocker: 0, slow_page: 0, no_confirmation_view: 0, pixel_not_fired: 0 },
  };
}

function sampleReport(over: Partial<HealthReport> = {}): HealthReport {
  const counts = {
    orders: 1000, attributable: 300, browser: 840, server: 860, either: 880, both: 820, bothSameId: 790,
    deduplicated: 785, doubleCounts: 35, lostBothLegs: 120, lostBrowser: 160, lostServer: 140, withBeacon: 900,
    serverRejectedOnly: 0, serverEvents: 900, testServerEvents: 3, unlinkedServerEvents: 0, unlinkedBrowserEvents: 0,
  };
  return {
    store: 'acme', from: '2026-01-05', to: '2026-01-11', computedAt: '2026-01-15T06:00:00.000Z',
    settled: true, provisional: false, settlesAt: '2026-01-15T00:00:00.000Z',
    orders: 1000, attributable: 300, reported: 919,
    reportedDetail: { daysFetched: 7, daysInWindow: 7, missingDays: [], complete: true, browser: 700, server: 219, attributed: 150 },
    reportedGap: 0.081,
    browserCoverage: 0.84, serverCoverage: 0.86, eitherCoverage: 0.88, bothCoverage: 0.82,
    dedupRate: 785 / 820, doubleCounts: 35,
    doubleCountReasons: { event_id_missing: 5, event_id_mismatch: 28, event_name_mismatch: 0, outside_48h: 2 },
    expected: 915, unexplained: 4,
    bridge: buildBridge(1000, 880, 35, 4, 919),
    keyCoverage: { email: 0.9, phone: 0.5, external_id: 1, ttclid: 0.2, ttp: 0.7, ip: 1, user_agent: 1 },
    ttclidCoverageAttributable: 0.6, matchQualityEstimate: 6.5,
    normalizationErrors: { phone_missing_plus: 12, uppercase_hex: 3 },
    normalizationErrorRate: 12 / 900,
    normalization: {
      events: 900, eventsWithError: 12, eventsWithCode: 15, errorRate: 12 / 900,
      byCode: [
        { code: 'phone_missing_plus', severity: 'error', events: 12, rate: 12 / 900 },
        { code: 'uppercase_hex', severity: 'warning', events: 3, rate: 3 / 900 },
      ],
    },
    lostBrowserCauses: causes,
    weakMatches: { click_id_stripped: 12, cookie_truncated: 48 },
    counts,
    segments: {
      browser: [segment('Chrome', 600), segment('Mobile Safari', 400)],
      os: [segment('iOS 17', 400)],
      daysToConversion: [segment('0', 700), segment('unknown', 300)],
      pageLoad: [segment('<2s', 900), segment('no beacon', 100)],
    },
    ...over,
  };
}

describe('number formatting', () => {
  it('formats counts, signed deltas and rates', () => {
    expect(fmtInt(1234567)).toBe('1,234,567');
    expect(fmtInt(null)).toBe('?');
    expect(fmtSigned(-120)).toBe('\u2212120');
    expect(fmtSigned(1500)).toBe('+1,500');
    expect(fmtSigned(0)).toBe('\u00b10');
    expect(fmtSigned(null)).toBe('?');
    expect(fmtPct(0.0813)).toBe('8.1%');
    expect(fmtPct(-0.1)).toBe('\u221210.0%');
    expect(fmtPct(null)).toBe('-');
  });
});

describe('buildBridge', () => {
  it('walks from orders to reported with running totals', () => {
    const bridge = buildBridge(1000, 880, 35, 4, 919);
    expect(bridge.map((s) => [s.step, s.kind, s.value, s.runningTotal])).toEqual([
      ['orders', 'total', 1000, 1000],
      ['lost_both_legs', 'delta', -120, 880],
      ['double_counted', 'delta', 35, 915],
      ['unexplained', 'delta', 4, 919],
      ['reported', 'total', 919, 919],
    ]);
  });

  it('leaves unexplained open when TikTok’s count is incomplete', () => {
    const bridge = buildBridge(100, 90, 0, null, 60, { complete: false, daysFetched: 5, daysInWindow: 7 });
    expect(bridge[3]).toMatchObject({ value: null, runningTotal: null });
    expect(bridge[4]).toMatchObject({ value: 60, label: 'reported (5 of 7 days)' });
  });
});

describe('matchQuality', () => {
  it('is 10 × the weighted mean of coverage', () => {
    const all = { email: 1, phone: 1, external_id: 1, ttclid: 1, ttp: 1, ip: 1, user_agent: 1 };
    expect(matchQuality(all)).toBe(10);
    expect(matchQuality({ ...all, ttclid: 0 })).toBeCloseTo((10 * 8) / 11, 12);
    expect(matchQuality({ email: 0, phone: 0, external_id: 0, ttclid: 0, ttp: 0, ip: 1, user_agent: 1 })).toBeCloseTo(10 / 11, 12);
    expect(matchQuality({ ...all, ip: null })).toBeNull();
  });
});

describe('formatHealthReport', () => {
  it('leads with the bridge', () => {
    const report = sampleReport();
    expect(formatBridge(report)).toBe(
      'orders 1,000 \u2192 lost on both legs \u2212120 \u2192 double counted +35 \u2192 unexplained +4 \u2192 reported 919',
    );
    const text = formatHealthReport(report);
    expect(text.split('\n')[0]).toBe('Store acme \u00b7 2026-01-05 .. 2026-01-11 (UTC, inclusive) \u00b7 settled');
    expect(text).toContain(`  ${formatBridge(report)}\n`);
    expect(text).toContain('reported gap 8.1%');
  });

  it('shows coverage, keys, errors, causes, weak matches and every segment table', () => {
    const text = formatHealthReport(sampleReport());
    expect(text).toMatch(/browser\s+84\.0%\s+840/);
    expect(text).toContain('dedup 95.7% of 820 on both legs; double counts 35 (event id missing 5, event id mismatch 28, outside 48h 2)');
    expect(text).toContain('match quality \u2248 6.5/10 (estimate)');
    expect(text).toMatch(/ttclid\s+3\s+20\.0%/);
    expect(text).toContain('ttclid over TikTok-attributable orders: 60.0%');
    expect(text).toMatch(/phone_missing_plus\s+error\s+12\s+1\.3%/);
    for (const cause of LOST_BROWSER_CAUSES) expect(text).toContain(cause);
    expect(text).toMatch(/ad_blocker\s+60\s+37\.5%/);
    expect(text).toMatch(/cookie_truncated\s+48\s+5\.7%/);
    for (const title of ['Segments by browser', 'Segments by OS', 'Segments by days to conversion', 'Segments by page load']) {
      expect(text).toContain(title);
    }
    expect(text).toMatch(/Mobile Safari\s+400\s+80\.0%\s+90\.0%\s+95\.0%\s+20\s+80\s+5\.0%/);
  });

  it('marks provisional windows and missing TikTok days', () => {
    const text = formatHealthReport(
      sampleReport({
        settled: false,
        provisional: true,
        settlesAt: '2026-01-15T00:00:00.000Z',
        reportedGap: null,
        unexplained: null,
        reportedDetail: { daysFetched: 6, daysInWindow: 7, missingDays: ['2026-01-11'], complete: false, browser: 600, server: 200, attributed: 100 },
        bridge: buildBridge(1000, 880, 35, null, 800, { complete: false, daysFetched: 6, daysInWindow: 7 }),
      }),
    );
    expect(text).toContain("PROVISIONAL (TikTok's counts lag; settles 2026-01-15 00:00Z)");
    expect(text).toContain('unexplained ? \u2192 reported (6 of 7 days) 800');
    expect(text).toContain('missing TikTok days: 2026-01-11');
    expect(text).toContain('reported gap -');
  });

  it('renders an empty window without crashing', () => {
    const empty = sampleReport({
      orders: 0,
      reported: null,
      reportedGap: null,
      browserCoverage: null,
      matchQualityEstimate: null,
      normalization: { events: 0, eventsWithError: 0, eventsWithCode: 0, errorRate: null, byCode: [] },
      segments: { browser: [], os: [], daysToConversion: [], pageLoad: [] },
      bridge: buildBridge(0, 0, 0, null, null),
    });
    const text = formatHealthReport(empty);
    expect(text).toContain('no in-scope orders in this window');
    expect(text).toContain('orders 0 \u2192 lost on both legs \u00b10');
    expect(text).toContain('match quality \u2248 -/10');
    expect(text).toContain('no lint codes');
    expect(text).not.toContain('Segments by');
  });
});
