/**
 * The simulator's output: every order with what really happened on each leg (the truth) and
 * the payloads each door of Signalwatch and TikTok would have received.
 */
import type { OrderInput } from '@/lib/commerce/types';
import type { EventsApiEvent } from '@/lib/tiktok/types';
import type { FakeOrderSeed } from '@/sandbox/shopify/orders';
import type { DeviceProfile } from './devices';
import type { OrderKind, ReleaseEffect, ShopProfile, VisitSource } from './profile';

export const SIM_MATCH_KEYS = ['email', 'phone', 'external_id', 'ttclid', 'ttp', 'ip', 'user_agent'] as const;
export type SimMatchKey = (typeof SIM_MATCH_KEYS)[number];

/** The lost-browser taxonomy of DESIGN.md §4 / lib/health/definitions.ts, first match wins. */
export const SIM_LOST_CAUSES = ['consent_denied', 'ad_blocker', 'slow_page', 'no_confirmation_view', 'pixel_not_fired'] as const;
export type SimLostCause = (typeof SIM_LOST_CAUSES)[number];

/** What physically stopped the pixel, finer than the taxonomy. */
export type LostMechanism =
  | 'no_confirmation_view'
  | 'consent_denied'
  | 'brave_shields'
  | 'blocker_extension'
  | 'csp'
  | 'left_before_script'
  | 'left_before_load'
  | 'left_before_send'
  | 'pixel_not_tracked';

export type AttributionKind = 'click_id' | 'utm' | 'referrer' | 'none';

export interface Shopper {
  /** null for POS and draft orders (no browser involved). */
  device: DeviceProfile | null;
  email: string;
  /** E.164, or null when the shopper gave none. */
  phone: string | null;
  customerId: number | null;
  ip: string;
}

export interface VisitSim {
  occurredAt: Date;
  /** The landing URL as the shop saw it (after Link Tracking Protection). */
  landingUrl: string;
  referrerUrl: string | null;
  /** Shopify's classification of the visit source. */
  platformSource: string;
  utm: { source: string; medium: string; campaign: string } | null;
}

export interface Journey {
  source: VisitSource;
  daysToConversion: number;
  firstVisit: VisitSim;
  /** A later direct visit that completed the purchase; null when the first visit did. */
  lastVisit: VisitSim | null;
  /** The click id TikTok put on the link (ads, and links shared from them). */
  ttclidIssued: string | null;
  /** What reached the shop: null when stripped by Link Tracking Protection or never issued. */
  ttclidLanded: string | null;
  /** Safari ≥ 17 removed the ttclid from a shared link. */
  ltpStripped: boolean;
}

export interface BrowserLegSim {
  confirmationViewed: boolean;
  consent: 'granted' | 'denied' | 'unknown';
  /** A blocker extension, or Brave's Shields, stops TikTok's hosts. */
  adBlocker: boolean;
  /** A release's Content-Security-Policy stops TikTok's library on the confirmation page. */
  cspBlocked: boolean;
  /** The confirmation page's real load time (also when the shopper left before it finished). */
  loadMs: number;
  slowPage: boolean;
  leftBeforeLoad: boolean;
  /** Left so early that Signalwatch's own script never ran: no beacon. */
  leftBeforeScript: boolean;
  leftBeforeSend: boolean;
  /** The page called ttq.track for the purchase. */
  pixelTracked: boolean;
  pixelLoaded: boolean;
  /** The purchase request reached TikTok. */
  fired: boolean;
  eventName: string;
  eventId: string;
  /** When the pixel's request went out (the confirmation page's track time otherwise). */
  trackedAt: Date;
  ttpCookie: boolean;
  ttclidCookie: boolean;
  /** The `_ttp` value (raw). */
  ttp: string;
}

export interface ServerLegSim {
  /** The shop's server sent the purchase (live or test). */
  sent: boolean;
  testEventCode: string | null;
  eventName: string;
  eventId: string | null;
  eventTime: Date | null;
  sentAt: Date | null;
  queued: boolean;
  /** A backfill stamped the event 50–80 h after the order (outside TikTok's 48 h window). */
  late: boolean;
  duplicate: boolean;
  keys: Record<SimMatchKey, boolean>;
  phoneWithoutPlus: boolean;
  phoneHashOfEmpty: boolean;
}

/** Docs/beacon.md version 1, as the browser sends it. */
export interface BeaconBody {
  v: 1;
  store: string;
  id: string;
  order_id?: string | null;
  events?: { name: string; event_id?: string | null; order_id?: string | null }[];
  page?: { url?: string | null; load_ms?: number | null };
  pixel?: { loaded?: boolean | null; tracked?: boolean | null; request_seen?: boolean | null };
  probe?: 'ok' | 'blocked' | 'unknown';
  consent?: 'granted' | 'denied' | 'unknown';
  ttclid?: boolean | null;
  ttp?: boolean | null;
  brave?: boolean;
}

export interface SimulatedBeacon {
  body: BeaconBody;
  /** The User-Agent header the browser sends with it. */
  userAgent: string;
  receivedAt: Date;
}

/** One event for the fake TikTok's `POST /sandbox/pixel/track` (the pixel's own request). */
export interface PixelTrackEvent {
  pixel_code: string;
  event: string;
  event_id?: string;
  /** Unix seconds. */
  timestamp: number;
  ttp?: string;
  ttclid?: string;
  test_event_code?: string;
  properties?: { value?: number; currency?: string; order_id?: string };
  user?: { ip?: string; user_agent?: string };
}

export interface SimulatedServerEvent {
  event: EventsApiEvent;
  /** Top-level `test_event_code` of the request that carries it. */
  testEventCode: string | null;
  /** When the shop's server sent it (Signalwatch's receivedAt). */
  sentAt: Date;
}

export interface TikTokCountedEvent {
  leg: 'browser' | 'server';
  /** Unix seconds of the counted (first) event. */
  eventTime: number;
  attributed: boolean;
}

export interface OrderTruth {
  /** In O: a web order (not test, POS or draft), cancelled or not. */
  inScope: boolean;
  /** In A: the journey came from TikTok (click id, TikTok utm or a tiktok.com referrer). */
  attributable: boolean;
  attribution: AttributionKind;
  /** The pixel's purchase reached TikTok (the browser leg B). */
  browserFired: boolean;
  /** A live (non-test) server purchase was sent (the server leg S). */
  serverFired: boolean;
  /** Both legs: the first events carry the same event_id. */
  sameEventId: boolean | null;
  /** Both legs: same event_id, same purchase name, ≤ 48 h apart. */
  deduplicated: boolean | null;
  doubleCounted: boolean;
  doubleCountReason: 'event_id_missing' | 'event_id_mismatch' | 'event_name_mismatch' | 'outside_48h' | null;
  /** Why the browser leg was lost (taxonomy, first match over what really happened); null when it fired. */
  lostCause: SimLostCause | null;
  mechanism: LostMechanism | null;
  /** The beacon (or its absence) shows the real cause: false when the shopper left before the beacon script ran. */
  causeObservable: boolean;
  /** What really happened to the match (browser leg or not). */
  weak: { clickIdStripped: boolean; cookieTruncated: boolean };
  /** Keys on the live server-leg purchase (all false without one). */
  keys: Record<SimMatchKey, boolean>;
  /** The phone hash is of the number without '+': present, but TikTok cannot match it. */
  phoneWithoutPlus: boolean;
  /** Lint codes the server event should carry. */
  expectedLintCodes: string[];
  /** What TikTok counted for this order (after its dedup). */
  tiktokCounted: TikTokCountedEvent[];
}

export interface SimulatedOrder {
  storeId: string;
  index: number;
  platformId: string;
  name: string;
  kind: OrderKind;
  processedAt: Date;
  cancelledAt: Date | null;
  value: number;
  currency: string;
  checkoutToken: string;
  shopper: Shopper;
  /** null for POS and draft orders. */
  journey: Journey | null;
  /** null when no browser was involved (POS, draft). */
  browserLeg: BrowserLegSim | null;
  serverLeg: ServerLegSim;
  /** Release effects active when the order was placed. */
  activeEffects: ReleaseEffect[];
  /** The order as any source hands it to ingestOrders (raw email/phone: ingest hashes them). */
  order: OrderInput;
  /** The same order for the fake Shopify (`controls.addOrders`). */
  shopifySeed: FakeOrderSeed;
  /** When the confirmation page's beacon reached /api/collect. */
  beacon: SimulatedBeacon | null;
  /** When the pixel's purchase really reached TikTok. */
  pixelEvent: PixelTrackEvent | null;
  /** Each Events API send (a retry sends the same event twice). */
  serverEvents: SimulatedServerEvent[];
  truth: OrderTruth;
}

export interface ReleaseMarker {
  kind: string;
  name: string;
  description: string | null;
  releasedAt: Date;
  effect: ReleaseEffect;
  /** The marker of a revert (the effect ends here). */
  revert: boolean;
  /** Stable id for insertRelease's (store, source, external_ref) uniqueness. */
  externalRef: string;
}

export interface SimulatedShop {
  storeId: string;
  seed: number;
  start: Date;
  /** Exclusive. */
  end: Date;
  profile: ShopProfile;
  pixelCode: string;
  publicKey: string;
  /** The numeric platform id of order index 0 (ids are consecutive). */
  firstOrderId: number;
  orders: SimulatedOrder[];
  releases: ReleaseMarker[];
}
