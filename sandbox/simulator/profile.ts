/**
 * What kind of shop is simulated: its tracking setup (event names, event_id template, which match
 * keys its server sends and how it hashes them), its traffic and shoppers, and the releases that
 * change its tracking at a point in time.
 */
import { GENERAL_MIX, SHARED_LINK_MIX, TIKTOK_AD_MIX, TIKTOK_ORGANIC_MIX, type DeviceMix } from './devices';

/** Where the shopper's journey started. The `tiktok_*` sources make an order TikTok-attributable. */
export const VISIT_SOURCES = [
  'tiktok_ad',
  'tiktok_shared',
  'tiktok_bio',
  'tiktok_referrer',
  'google',
  'organic',
  'email',
] as const;
export type VisitSource = (typeof VISIT_SOURCES)[number];

export const ORDER_KINDS = ['web', 'test', 'pos', 'draft'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/**
 * What a release does to tracking, from its time on (until `durationDays`, when given):
 * - `pixel_event_id_checkout_token`: the new checkout passes the checkout token as the pixel's
 *   event_id while the server keeps the order id: TikTok cannot deduplicate, purchases count twice.
 * - `csp_blocks_pixel`: a new Content-Security-Policy (script-src) on the confirmation page
 *   stops TikTok's library from loading: the stub queues the purchase but nothing is sent.
 * - `none`: a harmless release (a marker only).
 */
export type ReleaseEffect = 'pixel_event_id_checkout_token' | 'csp_blocks_pixel' | 'none';

export interface ReleaseSpec {
  kind: string;
  name: string;
  description?: string;
  /** 1-based week of the simulation the release ships in. */
  week: number;
  /** Day within that week, 0–6 (default 1). */
  day?: number;
  /** UTC hour (default 15). */
  hour?: number;
  effect: ReleaseEffect;
  /** The effect is reverted this many days later (a second marker records the revert). */
  durationDays?: number;
  revertName?: string;
}

export interface ShopRates {
  /** Share of all orders that are test / POS / draft orders (the rest are web orders). */
  testOrders: number;
  posOrders: number;
  draftOrders: number;
  /** Web orders cancelled after purchase (they stay in scope). */
  cancelled: number;
  /** The shopper reached the order confirmation page. */
  confirmationView: number;
  consentDenied: number;
  /** Consent explicitly granted (else the page does not know: `unknown`). */
  consentGranted: number;
  /** Median and log-sd of the confirmation page's load time on desktop (mobile is 1.3× slower). */
  loadMedianMs: number;
  loadSigma: number;
  /** Of slow pages (> 5 s): the shopper left before the page finished loading. */
  slowLeftBeforeLoad: number;
  /** …of those, before even Signalwatch's script ran (no beacon at all). */
  leftBeforeScript: number;
  /** Of slow pages that loaded: the shopper left before the pixel's request went out. */
  slowLeftBeforeSend: number;
  /** Of fast pages: left before the request went out. */
  fastLeftBeforeSend: number;
  /** The confirmation page did not call ttq.track for the purchase (a theme bug). */
  pixelNotTracked: number;
  /** The server sent the purchase through the Events API. */
  serverSent: number;
  /** Server events queued 1–30 minutes. */
  serverQueued: number;
  /** Server events a nightly backfill sent 50–80 hours later, stamped with the send time (outside 48 h). */
  serverLate: number;
  /** Server events without event_id (a broken integration). */
  serverEventIdMissing: number;
  /** Server events sent twice (a retry after a timeout): TikTok drops the repeat. */
  serverDuplicate: number;
  /** Test orders: the server marks their events with test_event_code (else they go live). */
  testOrderTestCode: number;
  /** POS orders: the server sends them too (they reach TikTok but are not web orders). */
  posServerEvents: number;
  /** Shoppers with a phone number at checkout / a customer account. */
  phoneGiven: number;
  customerAccount: number;
  /** The server sends each key when it has it. */
  sendEmail: number;
  sendPhone: number;
  sendExternalId: number;
  sendTtclid: number;
  sendTtp: number;
  sendIp: number;
  sendUserAgent: number;
  /** Phones hashed without the leading '+' (a Meta/Snap-style sender; undetectable from the hash). */
  phoneWithoutPlus: number;
  /** No phone, yet the sender hashes the empty string (lint: hash_of_empty). */
  hashEmptyPhone: number;
}

export interface ShopProfile {
  name: string;
  domain: string;
  currency: string;
  phoneCountry: string;
  /** The store's event_id template, e.g. `{order_id}` or `{order_id}-completepayment`. */
  eventIdTemplate: string;
  pixelEventName: 'CompletePayment' | 'Purchase';
  serverEventName: 'CompletePayment' | 'Purchase';
  /** Median order value and its log-sd. */
  valueMedian: number;
  valueSigma: number;
  /** Relative weights of where journeys start. */
  sources: Record<VisitSource, number>;
  /** Device mixes by kind of visit. */
  devices: { general: DeviceMix; tiktokAd: DeviceMix; sharedLink: DeviceMix; tiktokOrganic: DeviceMix };
  /** Safari ≥ 17 strips ttclid from shared links (Link Tracking Protection). */
  linkTrackingProtection: boolean;
  /** Monday-first weekday multipliers of the daily order rate. */
  weekdayFactors: readonly number[];
  /** Relative weights of the UTC hour an order is placed. */
  hourWeights: readonly number[];
  rates: ShopRates;
  releases: ReleaseSpec[];
}

export const DEFAULT_RATES: ShopRates = {
  testOrders: 0.008,
  posOrders: 0.03,
  draftOrders: 0.006,
  cancelled: 0.02,
  confirmationView: 0.95,
  consentDenied: 0.05,
  consentGranted: 0.55,
  loadMedianMs: 1500,
  loadSigma: 0.62,
  slowLeftBeforeLoad: 0.15,
  leftBeforeScript: 0.3,
  slowLeftBeforeSend: 0.45,
  fastLeftBeforeSend: 0.01,
  pixelNotTracked: 0.012,
  serverSent: 0.97,
  serverQueued: 0.08,
  serverLate: 0.004,
  serverEventIdMissing: 0,
  serverDuplicate: 0.01,
  testOrderTestCode: 0.6,
  posServerEvents: 0,
  phoneGiven: 0.6,
  customerAccount: 0.55,
  sendEmail: 0.98,
  sendPhone: 0.95,
  sendExternalId: 0.9,
  sendTtclid: 0.9,
  sendTtp: 0.85,
  sendIp: 0.99,
  sendUserAgent: 0.97,
  phoneWithoutPlus: 0,
  hashEmptyPhone: 0,
};

/** UTC hours: a US shop, busiest in the American evening (00–04 UTC). */
const US_EVENING_HOURS = [8, 7, 6, 5, 3, 2, 1.5, 1, 1, 1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5, 5.5, 6, 7, 8];

export function defaultProfile(overrides: Partial<ShopProfile> = {}): ShopProfile {
  return {
    name: 'Simulated Shop',
    domain: 'shop.example',
    currency: 'USD',
    phoneCountry: 'US',
    eventIdTemplate: '{order_id}',
    pixelEventName: 'CompletePayment',
    serverEventName: 'CompletePayment',
    valueMedian: 58,
    valueSigma: 0.55,
    sources: {
      tiktok_ad: 22,
      tiktok_shared: 7,
      tiktok_bio: 5,
      tiktok_referrer: 4,
      google: 24,
      organic: 25,
      email: 13,
    },
    devices: { general: GENERAL_MIX, tiktokAd: TIKTOK_AD_MIX, sharedLink: SHARED_LINK_MIX, tiktokOrganic: TIKTOK_ORGANIC_MIX },
    linkTrackingProtection: true,
    weekdayFactors: [0.95, 0.9, 0.95, 1, 1.05, 1.1, 1.05],
    hourWeights: US_EVENING_HOURS,
    rates: DEFAULT_RATES,
    releases: [],
    ...overrides,
  };
}

/**
 * The demo's two stores. Store A ships a checkout change in week 6 whose pixel passes the
 * checkout token as event_id (fixed ten days later); store B ships a Content-Security-Policy in
 * week 7 that blocks TikTok's library on the confirmation page (still broken at the end). Store B
 * also sends POS orders to TikTok and hashes phones Meta-style (without '+').
 */
export function demoProfiles(): { a: ShopProfile; b: ShopProfile } {
  const a = defaultProfile({
    name: 'Northwind Apparel',
    domain: 'northwind-apparel.example',
    eventIdTemplate: '{order_id}',
    pixelEventName: 'CompletePayment',
    serverEventName: 'Purchase',
    releases: [
      {
        kind: 'checkout_change',
        name: 'Checkout extensibility migration (thank-you page)',
        description: 'Moves the TikTok purchase event to a checkout UI extension.',
        week: 6,
        day: 1,
        hour: 14,
        effect: 'pixel_event_id_checkout_token',
        durationDays: 10,
        revertName: 'Fix: pixel event_id back to the order id',
      },
    ],
  });
  const b = defaultProfile({
    name: 'Bluebird Botanicals',
    domain: 'bluebird-botanicals.example',
    eventIdTemplate: '{order_id}-completepayment',
    pixelEventName: 'Purchase',
    serverEventName: 'Purchase',
    valueMedian: 42,
    sources: { tiktok_ad: 30, tiktok_shared: 9, tiktok_bio: 6, tiktok_referrer: 5, google: 18, organic: 20, email: 12 },
    rates: { ...DEFAULT_RATES, posOrders: 0.05, posServerEvents: 1, phoneWithoutPlus: 1, hashEmptyPhone: 0.3, consentDenied: 0.08 },
    releases: [
      {
        kind: 'csp_change',
        name: 'Content-Security-Policy rollout',
        description: 'Adds a strict script-src to checkout and thank-you pages.',
        week: 7,
        day: 2,
        hour: 16,
        effect: 'csp_blocks_pixel',
      },
    ],
  });
  return { a, b };
}
