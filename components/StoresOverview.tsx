'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { StoreGlance } from '@/lib/dashboard';
import { fetchJson, int, pct, shortDay } from './format';

const STATUS_LABEL = { healthy: 'Healthy', warning: 'Needs a look', critical: 'Broken', no_data: 'No data yet' } as const;

export function StoresOverview() {
  const { data, error, isPending } = useQuery({
    queryKey: ['overview'],
    queryFn: () => fetchJson<{ stores: StoreGlance[] }>('/api/v1/overview'),
  });
  if (isPending) return <p className="muted">Loading stores…</p>;
  if (error) return <p className="error-text">Could not load stores: {error.message}</p>;
  if (data.stores.length === 0) return <EmptyState />;

  return (
    <>
      <h1>Stores</h1>
      <p className="lede">
        {data.stores.length} store{data.stores.length === 1 ? '' : 's'} watched. Health is the latest rolling 7 days: did every
        order reach TikTok, once? Secrets are stored encrypted and never shown.
      </p>
      <section className="panel">
        <table className="data" data-testid="store-list">
          <thead>
            <tr>
              <th>Store</th>
              <th>Health</th>
              <th className="num">Orders</th>
              <th className="num">Reported gap</th>
              <th className="num">Reached TikTok</th>
              <th className="num">Dedup</th>
              <th className="num">Match quality</th>
              <th>Settings</th>
            </tr>
          </thead>
          <tbody>
            {data.stores.map(({ store: s, ...h }) => (
              <tr key={s.id} data-store-id={s.id}>
                <td>
                  <Link href={`/stores/${s.id}`} className="store-link">
                    <b>{s.name}</b>
                  </Link>
                  <div className="muted mono">{s.id}</div>
                </td>
                <td>
                  <span className={`status status-${h.status}`}>{STATUS_LABEL[h.status]}</span>
                  {h.window && (
                    <div className="muted small">
                      {shortDay(h.window.from)}–{shortDay(h.window.to)}
                      {!h.window.settled && ' · provisional'}
                    </div>
                  )}
                </td>
                <td className="num">{int(h.orders)}</td>
                <td className="num">{pct(h.reportedGap)}</td>
                <td className="num">{pct(h.eitherCoverage)}</td>
                <td className="num">{pct(h.dedupRate)}</td>
                <td className="num">{h.matchQualityEstimate === null ? '–' : `${h.matchQualityEstimate.toFixed(1)} / 10`}</td>
                <td className="small">
                  {s.platform}
                  {s.shop_domain && <> · {s.shop_domain}</>}
                  <div className="muted">
                    {s.timezone} · {s.currency} · pixel <span className="mono">{s.pixel_code ?? 'not set'}</span>
                  </div>
                  <div className="muted">
                    event id <span className="mono">{s.event_id_template}</span> · relay <span className="pill">{s.relay_mode}</span> ·{' '}
                    {s.retention_days} days retention
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

function EmptyState() {
  return (
    <>
      <h1>No stores yet</h1>
      <p className="lede">A store is one shop whose TikTok tracking Signalwatch watches. Add one from the command line:</p>
      <section className="panel">
        <ol className="steps">
          <li>
            Add the store (the id defaults to a slug of the name):
            <pre className="cmd">
              {`npx signalwatch store add --name "My Shop" --platform shopify \\
  --shop-domain my-shop.myshopify.com --timezone America/New_York \\
  --currency USD --phone-country US --pixel-code CABC123XYZ0987654321`}
            </pre>
            It prints an <b>ingest key</b> once — keep it; it authenticates your order feed and the relay.
          </li>
          <li>
            Give it its credentials (read from stdin, encrypted at rest):
            <pre className="cmd">{`printf %s "$TIKTOK_EVENTS_TOKEN" | npx signalwatch store secret my-shop tiktok_events_token`}</pre>
          </li>
          <li>
            Or see it all with made-up data: <code>npm run demo</code>.
          </li>
        </ol>
      </section>
    </>
  );
}
