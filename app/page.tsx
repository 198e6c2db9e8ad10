import { database } from '@/lib/config/database';
import { listStores } from '@/db/queries/stores';
import { storeView } from '@/lib/stores';

export const dynamic = 'force-dynamic';

export default async function StoresPage() {
  const { db } = await database();
  const stores = (await listStores(db)).map(storeView);

  if (stores.length === 0) {
    return (
      <>
        <h1>No stores yet</h1>
        <p className="lede">
          A store is one shop whose TikTok tracking Signalwatch watches. Add one from the command line:
        </p>
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
            <li>Reload this page.</li>
          </ol>
        </section>
      </>
    );
  }

  return (
    <>
      <h1>Stores</h1>
      <p className="lede">
        {stores.length} store{stores.length === 1 ? '' : 's'} watched. Secrets are stored encrypted and never shown.
      </p>
      <section className="panel">
        <table className="data" data-testid="store-list">
          <thead>
            <tr>
              <th>Store</th>
              <th>Platform</th>
              <th>Time zone · currency</th>
              <th>TikTok pixel</th>
              <th>Event id template</th>
              <th>Relay</th>
              <th>Retention</th>
            </tr>
          </thead>
          <tbody>
            {stores.map((s) => (
              <tr key={s.id} data-store-id={s.id}>
                <td>
                  <b>{s.name}</b>
                  <div className="muted mono">{s.id}</div>
                </td>
                <td>
                  {s.platform}
                  {s.shop_domain && <div className="muted">{s.shop_domain}</div>}
                </td>
                <td>
                  {s.timezone} · {s.currency}
                  {s.phone_country && <div className="muted">phones default to {s.phone_country}</div>}
                </td>
                <td className="mono">{s.pixel_code ?? <span className="muted">not set</span>}</td>
                <td className="mono">{s.event_id_template}</td>
                <td>
                  <span className="pill">{s.relay_mode}</span>
                </td>
                <td>{s.retention_days} days</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
