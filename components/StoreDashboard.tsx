'use client';

import Link from 'next/link';
import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { StoreDashboard as Dashboard } from '@/lib/dashboard';
import type { HealthReport } from '@/lib/health';
import { BridgeChart, CountBars, ShareBars, TrendChart } from './charts';
import { fetchJson, int, pct, shortDay, signed } from './format';

// Shown in this order: a report read back from a snapshot (jsonb) has its keys in jsonb's order.
const KEY_LABELS: Record<string, string> = {
  email: 'email', phone: 'phone', external_id: 'external id', ttclid: 'ttclid (click id)', ttp: '_ttp cookie', ip: 'IP', user_agent: 'user agent',
};
const CAUSE_LABELS: Record<string, string> = {
  consent_denied: 'Consent denied',
  ad_blocker: 'Ad blocker / pixel blocked',
  slow_page: 'Slow page / left early',
  no_confirmation_view: 'No confirmation view',
  pixel_not_fired: 'Pixel not fired',
};

/** Chart rows in the labels' order, then any key the labels do not know yet. */
function inOrder<V>(values: Record<string, V>, labels: Record<string, string>): { name: string; value: V }[] {
  const keys = [...Object.keys(labels).filter((k) => k in values), ...Object.keys(values).filter((k) => !(k in labels))];
  return keys.map((k) => ({ name: labels[k] ?? k, value: values[k]! }));
}

export function StoreDashboard({ storeId }: { storeId: string }) {
  const [week, setWeek] = useState<{ from: string; to: string } | null>(null);
  const { data, error, isPending } = useQuery({
    queryKey: ['dashboard', storeId, week?.from ?? 'latest'],
    queryFn: () => fetchJson<Dashboard>(`/api/v1/stores/${encodeURIComponent(storeId)}/dashboard${week ? `?from=${week.from}&to=${week.to}` : ''}`),
    placeholderData: keepPreviousData,
  });
  if (isPending) return <p className="muted">Loading…</p>;
  if (error) return <p className="error-text">Could not load this store: {error.message}</p>;
  const r = data.report;

  return (
    <>
      <p className="crumbs">
        <Link href="/">Stores</Link> /
      </p>
      <div className="title-row">
        <div>
          <h1>{data.store.name}</h1>
          <p className="lede">
            Did every order reach TikTok — once? Weekly reconciliation of the shop&apos;s orders against TikTok&apos;s purchase count.
          </p>
        </div>
        {data.weeks.length > 0 && (
          <label className="week-picker">
            Week{' '}
            <select
              value={r ? `${r.from}|${r.to}` : ''}
              onChange={(e) => {
                const [from, to] = e.target.value.split('|');
                setWeek({ from: from!, to: to! });
              }}
              data-testid="week-select"
            >
              {[...data.weeks].reverse().map((w) => (
                <option key={w.from} value={`${w.from}|${w.to}`}>
                  {shortDay(w.from)} – {shortDay(w.to)}
                  {w.settled ? '' : ' (provisional)'}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {!r ? <NoSnapshots storeId={storeId} /> : <Report report={r} data={data} />}
    </>
  );
}

function NoSnapshots({ storeId }: { storeId: string }) {
  return (
    <section className="panel">
      <h2>No weekly reconciliation yet</h2>
      <p>
        The weekly job runs every Thursday 06:00 UTC once orders and TikTok&apos;s counts are in. To compute one now:
      </p>
      <pre className="cmd">{`npx signalwatch sync orders --store ${storeId}
npx signalwatch sync tiktok --store ${storeId} --from 2026-11-09 --to 2026-11-15
npx signalwatch jobs run weekly-reconciliation`}</pre>
    </section>
  );
}

function Kpi({ metric, label, value, raw, hint }: { metric: string; label: string; value: string; raw: number | null; hint?: string }) {
  return (
    <div className="kpi" data-metric={metric} data-value={raw === null ? 'null' : String(raw)}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {hint && <div className="kpi-hint">{hint}</div>}
    </div>
  );
}

function Report({ report: r, data }: { report: HealthReport; data: Dashboard }) {
  const causes = inOrder(r.lostBrowserCauses, CAUSE_LABELS);
  const keys = inOrder(r.keyCoverage, KEY_LABELS);
  const errors = r.normalization.byCode;
  return (
    <div className={r.settled ? '' : 'provisional'} data-testid="report" data-from={r.from} data-to={r.to}>
      <p className="window-line">
        {shortDay(r.from)} – {shortDay(r.to)} (UTC){' '}
        {r.settled ? (
          <span className="badge badge-settled">settled</span>
        ) : (
          <span className="badge badge-provisional" title="TikTok's counts lag up to 72 h; these numbers will still move.">
            provisional until {new Date(r.settlesAt).toUTCString().slice(5, 22)} UTC
          </span>
        )}
      </p>
      <section className="kpis">
        <Kpi metric="orders" label="Orders (in scope)" value={int(r.orders)} raw={r.orders} hint={`${int(r.attributable)} attributable to TikTok`} />
        <Kpi metric="reported" label="TikTok reported" value={int(r.reported)} raw={r.reported} />
        <Kpi metric="reportedGap" label="Reported gap" value={pct(r.reportedGap)} raw={r.reportedGap} hint="1 − reported / orders" />
        <Kpi metric="eitherCoverage" label="Reached TikTok" value={pct(r.eitherCoverage)} raw={r.eitherCoverage} hint="orders on either leg" />
        <Kpi metric="dedupRate" label="Deduplicated" value={pct(r.dedupRate)} raw={r.dedupRate} hint="of orders on both legs" />
        <Kpi metric="doubleCounts" label="Double counts" value={int(r.doubleCounts)} raw={r.doubleCounts} />
        <Kpi
          metric="matchQualityEstimate"
          label="Match quality (est.)"
          value={r.matchQualityEstimate === null ? '–' : `${r.matchQualityEstimate.toFixed(1)} / 10`}
          raw={r.matchQualityEstimate}
          hint="TikTok does not publish its weights"
        />
      </section>

      <div className="grid-2">
        <section className="panel" data-chart="bridge">
          <h2>From orders to what TikTok reported</h2>
          <BridgeChart bridge={r.bridge} provisional={!r.settled} />
          <p className="muted small">
            Lost on both legs {signed(r.bridge.find((b) => b.step === 'lost_both_legs')?.value)} · double counted {signed(r.doubleCounts)} ·
            unexplained {signed(r.unexplained)} (accepted but not counted, or counted from elsewhere).
          </p>
        </section>
        <section className="panel" data-chart="legs">
          <h2>Coverage by leg</h2>
          <ShareBars
            color="#0f766e"
            rows={[
              { name: 'Browser (pixel)', value: r.browserCoverage },
              { name: 'Server (Events API)', value: r.serverCoverage },
              { name: 'Either leg', value: r.eitherCoverage },
              { name: 'Both legs', value: r.bothCoverage },
              { name: 'Deduplicated', value: r.dedupRate },
            ]}
          />
        </section>
      </div>

      <section className="panel" data-testid="trend">
        <h2>Weekly trend</h2>
        <p className="muted small">Dashed vertical lines are releases. Hollow points are provisional weeks.</p>
        <TrendChart weeks={data.weeks} releases={data.releases} />
      </section>

      <div className="grid-2">
        <section className="panel" data-chart="keys">
          <h2>Match-key coverage (server leg)</h2>
          <ShareBars color="#7c3aed" rows={keys} />
          <p className="muted small">ttclid among TikTok-attributable orders: {pct(r.ttclidCoverageAttributable)}</p>
        </section>
        <section className="panel" data-chart="causes">
          <h2>Why browser events were lost</h2>
          <CountBars color="#dc2626" rows={causes} />
          <p className="muted small">
            Weak matches where the pixel did fire: click id stripped by Safari {int(r.weakMatches.click_id_stripped)} · _ttp cookie
            truncated by ITP {int(r.weakMatches.cookie_truncated)}
          </p>
        </section>
      </div>

      <div className="grid-2">
        <section className="panel">
          <h2>Normalization errors</h2>
          {errors.length === 0 ? (
            <p className="ok-text">No hashing or normalization problems in {int(r.normalization.events)} server events.</p>
          ) : (
            <table className="data">
              <thead>
                <tr>
                  <th>Code</th>
                  <th className="num">Events</th>
                  <th className="num">Rate</th>
                </tr>
              </thead>
              <tbody>
                {errors.map((e) => (
                  <tr key={e.code}>
                    <td className="mono">
                      {e.code} {e.severity === 'warning' && <span className="muted">(warning)</span>}
                    </td>
                    <td className="num">{int(e.events)}</td>
                    <td className="num">{pct(e.rate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="panel">
          <h2>By browser</h2>
          <table className="data">
            <thead>
              <tr>
                <th>Browser</th>
                <th className="num">Orders</th>
                <th className="num">Pixel</th>
                <th className="num">Server</th>
                <th className="num">Either</th>
              </tr>
            </thead>
            <tbody>
              {r.segments.browser.map((s) => (
                <tr key={s.segment}>
                  <td>{s.segment}</td>
                  <td className="num">{int(s.orders)}</td>
                  <td className="num">{pct(s.browserCoverage)}</td>
                  <td className="num">{pct(s.serverCoverage)}</td>
                  <td className="num">{pct(s.eitherCoverage)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
