/**
 * A plain-text rendering of a HealthReport for the CLI (`signalwatch reconcile`). Pure.
 */
import { LOST_BROWSER_CAUSES, MATCH_KEYS, MATCH_KEY_WEIGHTS } from './definitions';
import type { HealthReport, Rate, SegmentRow } from './types';

const MINUS = '\u2212';

export const fmtInt = (n: number | null): string => (n === null ? '?' : Math.round(n).toLocaleString('en-US'));

/** Signed count: "+35", "−120", "±0", "?" when unknown. */
export const fmtSigned = (n: number | null): string => {
  if (n === null) return '?';
  if (n === 0) return '\u00b10';
  return n > 0 ? `+${fmtInt(n)}` : `${MINUS}${fmtInt(-n)}`;
};

const plural = (n: number, word: string) => `${fmtInt(n)} ${word}${n === 1 ? '' : 's'}`;

/** A rate as a percentage with one decimal, "-" when undefined. */
export const fmtPct = (r: Rate): string => (r === null ? '-' : `${(r * 100).toFixed(1).replace('-', MINUS)}%`);

/** Left-aligned first column, right-aligned numbers. */
function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    indent + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), indent + widths.map((w) => '\u2500'.repeat(w)).join('  '), ...rows.map(line)];
}

/** "orders 1,000 → lost on both legs −120 → double counted +35 → unexplained +4 → reported 919" */
export function formatBridge(report: HealthReport): string {
  return report.bridge
    .map((s) => `${s.label} ${s.kind === 'total' ? fmtInt(s.value) : fmtSigned(s.value)}`)
    .join(' \u2192 ');
}

function segmentTable(title: string, rows: SegmentRow[]): string[] {
  if (rows.length === 0) return [];
  return [
    '',
    title,
    ...table(
      ['segment', 'orders', 'browser %', 'server %', 'either %', 'lost both', 'lost browser', 'modelled gap'],
      rows.map((r) => [
        r.segment,
        fmtInt(r.orders),
        fmtPct(r.browserCoverage),
        fmtPct(r.serverCoverage),
        fmtPct(r.eitherCoverage),
        fmtInt(r.lostBothLegs),
        fmtInt(r.lostBrowser),
        fmtPct(r.modelledGap),
      ]),
    ),
  ];
}

export function formatHealthReport(report: HealthReport): string {
  const c = report.counts;
  const d = report.reportedDetail;
  const out: string[] = [];
  const status = report.settled
    ? 'settled'
    : `PROVISIONAL (TikTok's counts lag; settles ${report.settlesAt.slice(0, 16).replace('T', ' ')}Z)`;
  out.push(`Store ${report.store} \u00b7 ${report.from} .. ${report.to} (UTC, inclusive) \u00b7 ${status}`);

  out.push('', 'Bridge', `  ${formatBridge(report)}`);
  const reportedLine = [
    `reported gap ${fmtPct(report.reportedGap)}`,
    `expected ${fmtInt(report.expected)}`,
    `TikTok days fetched ${d.daysFetched}/${d.daysInWindow}`,
  ];
  if (d.browser !== null) reportedLine.push(`TikTok split: browser ${fmtInt(d.browser)}, server ${fmtInt(d.server)}`);
  out.push(`  ${reportedLine.join('   ')}`);
  if (!d.complete) {
    const shown = d.missingDays.length > 7 ? `${d.missingDays.slice(0, 7).join(', ')}, …` : d.missingDays.join(', ');
    out.push(`  missing TikTok days: ${shown} (gap and unexplained need every day)`);
  }
  if (report.orders === 0) out.push('  no in-scope orders in this window: rates are undefined');

  out.push(
    '',
    `Coverage (of ${fmtInt(report.orders)} in-scope orders; ${fmtInt(report.attributable)} TikTok-attributable)`,
    ...table(
      ['leg', 'coverage', 'orders'],
      [
        ['browser', fmtPct(report.browserCoverage), fmtInt(c.browser)],
        ['server', fmtPct(report.serverCoverage), fmtInt(c.server)],
        ['either', fmtPct(report.eitherCoverage), fmtInt(c.either)],
        ['both', fmtPct(report.bothCoverage), fmtInt(c.both)],
      ],
    ),
  );
  const reasons = Object.entries(report.doubleCountReasons)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k.replace(/_/g, ' ')} ${fmtInt(n)}`);
  out.push(
    `  dedup ${fmtPct(report.dedupRate)} of ${fmtInt(c.both)} on both legs; double counts ${fmtInt(report.doubleCounts)}` +
      (reasons.length ? ` (${reasons.join(', ')})` : ''),
  );
  if (c.serverRejectedOnly > 0) out.push(`  ${plural(c.serverRejectedOnly, 'order')} whose server events were all rejected or dead (never reached TikTok)`);
  if (c.unlinkedServerEvents + c.unlinkedBrowserEvents > 0)
    out.push(
      `  purchase events linked to no order: server ${fmtInt(c.unlinkedServerEvents)}, browser ${fmtInt(c.unlinkedBrowserEvents)}`,
    );

  out.push(
    '',
    `Match keys (of ${fmtInt(c.server)} server-leg purchases) \u00b7 match quality \u2248 ${
      report.matchQualityEstimate === null ? '-' : report.matchQualityEstimate.toFixed(1)
    }/10 (estimate)`,
    ...table(
      ['key', 'weight', 'coverage'],
      MATCH_KEYS.map((k) => [k, String(MATCH_KEY_WEIGHTS[k]), fmtPct(report.keyCoverage[k])]),
    ),
    `  ttclid over TikTok-attributable orders: ${fmtPct(report.ttclidCoverageAttributable)}`,
  );

  const n = report.normalization;
  out.push('', `Normalization (${fmtInt(n.events)} server purchase events; ${fmtPct(n.errorRate)} with errors)`);
  if (n.byCode.length === 0) out.push('  no lint codes');
  else out.push(...table(['code', 'severity', 'events', 'rate'], n.byCode.map((b) => [b.code, b.severity, fmtInt(b.events), fmtPct(b.rate)])));

  out.push(
    '',
    `Why browser events were lost (${fmtInt(c.lostBrowser)} orders without a browser leg)`,
    ...table(
      ['cause', 'orders', 'share'],
      LOST_BROWSER_CAUSES.map((k) => [
        k,
        fmtInt(report.lostBrowserCauses[k]),
        fmtPct(c.lostBrowser > 0 ? report.lostBrowserCauses[k] / c.lostBrowser : null),
      ]),
    ),
  );

  out.push(
    '',
    `Weak matches (of ${fmtInt(c.browser)} orders with a browser leg)`,
    ...table(
      ['risk', 'orders', 'share'],
      (['click_id_stripped', 'cookie_truncated'] as const).map((k) => [
        k,
        fmtInt(report.weakMatches[k]),
        fmtPct(c.browser > 0 ? report.weakMatches[k] / c.browser : null),
      ]),
    ),
  );

  out.push(
    ...segmentTable('Segments by browser', report.segments.browser),
    ...segmentTable('Segments by OS', report.segments.os),
    ...segmentTable('Segments by days to conversion', report.segments.daysToConversion),
    ...segmentTable('Segments by page load', report.segments.pageLoad),
  );
  return out.join('\n') + '\n';
}
