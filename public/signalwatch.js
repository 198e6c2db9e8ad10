// Signalwatch browser beacon, v1 (docs/beacon.md). Dependency-free; under 3 KB minified.
// Install on the order confirmation page, after the TikTok pixel snippet and, when you can,
// before the page's ttq.track('CompletePayment', …) call:
//   <script src="https://SIGNALWATCH/signalwatch.js" data-store="PUBLIC_KEY" data-order-id="1001"></script>
// It mirrors ttq.track calls (event name, event_id, order_id), notes whether TikTok's library
// loaded and sent, probes TikTok's pixel host (an ad blocker makes that fail), reads consent,
// ttclid and _ttp, and sends one beacon with navigator.sendBeacon when the page is left.
(function (w, d) {
  var s = d.currentScript;
  var store = s && s.getAttribute('data-store');
  if (!store || w.__signalwatch) return;
  w.__signalwatch = 1;
  var n = navigator;
  var perf = performance;
  var endpoint = s.getAttribute('data-endpoint') || new URL('/api/collect', s.src).href;
  var orderAttr = s.getAttribute('data-order-id');
  // A request TikTok's pixel sent; its scripts live under /i18n/ and do not count.
  var TT = /^https:\/\/analytics[\w.-]*\.tiktokw?\.[a-z]+\/(?!i18n\/)/;
  var GRANTED = 'granted';
  var DENIED = 'denied';
  var CONSENT_CALLS = { grantConsent: GRANTED, revokeConsent: DENIED, holdConsent: 'held' };
  var id = Date.now().toString(36) + Math.random().toString(36).slice(2);
  var events = [];
  var tracked = false;
  var loaded = false;
  var seen = false;
  var probe = 'unknown';
  var ttConsent;
  var cur;
  var sent;

  var str = (x) => (x == null || x === '' ? null : String(x).slice(0, 128));
  var cookie = (name) => new RegExp('(^|; *)' + name + '=').test(d.cookie);
  var look = (list) => list.forEach((e) => TT.test(e.name) && (seen = loaded = true));

  function mirror(m, a) {
    var c = CONSENT_CALLS[m];
    var p = a[1] || {};
    var o = a[2] || {};
    if (c) ttConsent = c == 'held' ? ttConsent || c : c;
    else if (typeof a[0] == 'string') {
      if (/^(CompletePayment|Purchase)$/.test(a[0])) tracked = true;
      if (events.length < 10)
        events.push({
          name: a[0].slice(0, 64),
          event_id: str(o.event_id != null ? o.event_id : p.event_id),
          order_id: str(p.order_id != null ? p.order_id : orderAttr),
        });
    }
  }

  // Wraps ttq's methods, the stub's or the real library's, whichever is there now; the real
  // library shows itself by replacing the stub's queuing methods (or the queue's push).
  function check() {
    var q = w[w.TiktokAnalyticsObject || 'ttq'];
    if (!q) return;
    if (q != cur && (cur = q).push == [].push)
      // Calls queued on the stub before this script ran: ['track', name, props, options].
      for (var i = 0; i < q.length; i++) q[i] && q[i].length && mirror(q[i][0], [].slice.call(q[i], 1));
    if (q.push && q.push != [].push) loaded = true;
    ['track'].concat(Object.keys(CONSENT_CALLS)).forEach((m) => {
      var f = q[m];
      if (typeof f != 'function' || f.__sw) return;
      // TikTok's stub methods only queue: function(){t.push([e].concat(…))}
      if (m == 'track' && !(('' + f).length < 200 && /\.push\(\[/.test(f))) loaded = true;
      (q[m] = function () {
        try {
          mirror(m, arguments);
        } catch (e) {}
        return f.apply(this, arguments);
      }).__sw = 1;
    });
  }

  function consent() {
    if (ttConsent) return ttConsent == GRANTED ? GRANTED : DENIED;
    try {
      var cp = w.Shopify && w.Shopify.customerPrivacy;
      var cb = w.Cookiebot;
      var dl = w.dataLayer || [];
      var c;
      if (cp && cp.marketingAllowed) return cp.marketingAllowed() ? GRANTED : DENIED;
      if (cb && cb.hasResponse && cb.consent) return cb.consent.marketing ? GRANTED : DENIED;
      // Google consent mode: gtag('consent', 'default'|'update', {ad_storage}); the last one wins.
      for (var i = 0; i < dl.length; i++) if (dl[i] && dl[i][0] == 'consent' && dl[i][2] && dl[i][2].ad_storage) c = dl[i][2].ad_storage;
      if (c) return c == GRANTED ? c : DENIED;
    } catch (e) {}
    return 'unknown';
  }

  function send() {
    if (sent) return;
    try {
      check();
      look(perf.getEntriesByType('resource'));
    } catch (e) {}
    if (!events.length && !orderAttr) return;
    sent = 1;
    var nav = perf.getEntriesByType('navigation')[0];
    var l = location;
    var keys = [...new URLSearchParams(l.search).keys()].filter((k) => /^[\w.-]{1,40}$/.test(k));
    var body = JSON.stringify({
      v: 1,
      store: store,
      id: id,
      order_id: str(orderAttr),
      events: events,
      page: {
        url: l.origin + l.pathname + (keys.length ? '?' + keys.join('&') : ''),
        load_ms: nav && nav.loadEventEnd > 0 ? Math.round(nav.loadEventEnd) : null,
      },
      pixel: { loaded: loaded, tracked: tracked, request_seen: seen },
      probe: probe,
      consent: consent(),
      ttclid: /[?&]ttclid=/.test(l.search) || cookie('ttclid'),
      ttp: cookie('_ttp'),
      brave: !!n.brave,
    });
    try {
      if (n.sendBeacon(endpoint, body)) return;
    } catch (e) {}
    fetch(endpoint, { method: 'POST', body: body, keepalive: true, mode: 'no-cors', credentials: 'omit' }).catch(() => {});
  }

  check();
  setTimeout(clearInterval, 3e4, setInterval(check, 250));
  try {
    new PerformanceObserver((list) => look(list.getEntries())).observe({ type: 'resource', buffered: true });
  } catch (e) {}
  // The probe: an ad blocker makes it fail. The response is opaque and unused.
  fetch('https://analytics.tiktok.com/i18n/pixel/events.js', { mode: 'no-cors', credentials: 'omit' }).then(
    () => (probe = 'ok'),
    () => (probe = 'blocked'),
  );
  w.addEventListener('pagehide', send);
  // Mobile browsers may discard a hidden page without firing pagehide.
  d.addEventListener('visibilitychange', () => d.visibilityState == 'hidden' && send());
})(window, document);
