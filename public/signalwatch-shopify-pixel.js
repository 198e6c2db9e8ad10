// Signalwatch browser beacon for Shopify checkouts, as a custom pixel (docs/beacon.md).
// Shopify admin → Settings → Customer events → Add custom pixel: paste this whole file, set the
// two constants below, save, connect.
//
// Shopify runs custom pixels in a sandbox that cannot see the page's window.ttq, so this variant
// cannot tell whether TikTok's pixel loaded or sent (those fields are null). It reports that the
// order confirmation was viewed, the order id, TikTok's host reachability (the ad-blocker probe),
// the visitor's marketing consent, and whether ttclid and _ttp were present.
const SIGNALWATCH_URL = 'https://signalwatch.example.com'; // your Signalwatch base URL
const STORE_KEY = 'swpk_REPLACE_ME'; // `signalwatch store show <id>` → public_key

const ENDPOINT = SIGNALWATCH_URL.replace(/\/+$/, '') + '/api/collect';
const privacyState = (p) => (!p ? 'unknown' : p.marketingAllowed ? 'granted' : 'denied');
let consent = privacyState(typeof init !== 'undefined' && init.customerPrivacy);
try {
  const cp = typeof customerPrivacy !== 'undefined' ? customerPrivacy : api.customerPrivacy;
  cp.subscribe('visitorConsentCollected', (e) => {
    consent = privacyState(e.customerPrivacy);
  });
} catch (e) {}

let probe = 'unknown';
// An ad blocker makes this fail; the response is opaque and unused.
const probing = fetch('https://analytics.tiktok.com/i18n/pixel/events.js', { mode: 'no-cors', credentials: 'omit' }).then(
  () => (probe = 'ok'),
  () => (probe = 'blocked'),
);

const cookie = (name) => browser.cookie.get(name).then((v) => !!v, () => null);

analytics.subscribe('checkout_completed', async (event) => {
  const order = (event.data && event.data.checkout && event.data.checkout.order) || {};
  // Orders are kept by Shopify's numeric id; the pixel may give a GID.
  const orderId = order.id ? String(order.id).replace(/^gid:\/\/shopify\/Order\//, '') : null;
  const loc = (event.context && event.context.document && event.context.document.location) || {};
  const search = loc.search || '';
  const keys = [...new URLSearchParams(search).keys()].filter((k) => /^[\w.-]{1,40}$/.test(k));
  const [ttp, ttclidCookie] = await Promise.all([cookie('_ttp'), cookie('ttclid')]);
  await Promise.race([probing, new Promise((r) => setTimeout(r, 1500))]);
  const random = Date.now().toString(36) + Math.random().toString(36).slice(2);
  const body = JSON.stringify({
    v: 1,
    store: STORE_KEY,
    // One beacon per order: a re-fired checkout_completed is recorded once.
    id: orderId ? ('shopify-' + orderId).replace(/[^\w-]/g, '').slice(0, 64) : random,
    order_id: orderId,
    events: [{ name: 'checkout_completed', event_id: null, order_id: orderId }],
    page: { url: loc.origin ? loc.origin + loc.pathname + (keys.length ? '?' + keys.join('&') : '') : null, load_ms: null },
    pixel: { loaded: null, tracked: null, request_seen: null },
    probe,
    consent,
    ttclid: /[?&]ttclid=/.test(search) || ttclidCookie,
    ttp,
  });
  // text/plain keeps it a simple request (no CORS preflight); keepalive survives the page leaving.
  fetch(ENDPOINT, { method: 'POST', body, keepalive: true, credentials: 'omit', headers: { 'content-type': 'text/plain' } }).catch(() => {});
});
