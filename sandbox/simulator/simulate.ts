/**
 * simulateShop: a deterministic shop with known ground truth. Orders arrive day by day; each
 * shopper has a browser, a journey (TikTok ad, shared link, bio link, referral, search, email,
 * direct) and a fate on each leg: the confirmation page seen or not, consent, ad blockers, slow
 * pages, Link Tracking Protection, ITP, a server leg with or without its keys. Releases change
 * tracking from a point in time. Every random draw comes from a seeded stream (no Math.random).
 */
import type { OrderInput, Visit } from '@/lib/commerce/types';
import { hashMatchKey, sha256Hex } from '@/lib/identity';
import type { EventsApiEvent, EventsApiUser } from '@/lib/tiktok/types';
import type { FakeOrderSeed } from '@/sandbox/shopify/orders';
import { DEVICES, mixEntries, type DeviceKey, type DeviceProfile } from './devices';
import { defaultProfile, type OrderKind, type ReleaseEffect, type ShopProfile, type VisitSource } from './profile';
import { createRng, hashSeed, type Rng } from './random';
import { countedByTikTok, type LegEvent } from './tiktok-truth';
import type {
  AttributionKind,
  BeaconBody,
  BrowserLegSim,
  Journey,
  LostMechanism,
  OrderTruth,
  PixelTrackEvent,
  ReleaseMarker,
  ServerLegSim,
  Shopper,
  SimLostCause,
  SimMatchKey,
  SimulatedOrder,
  SimulatedServerEvent,
  SimulatedShop,
  VisitSim,
} from './types';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SLOW_PAGE_MS = 5000;
const LTP_SAFARI_MAJOR = 17;
const ITP_COOKIE_DAYS = 7;

export interface SimulateShopOptions {
  seed: number;
  storeId: string;
  /** The first simulated instant (normally 00:00Z of a Monday, so weeks are ISO weeks). */
  start: Date;
  weeks: number;
  /** Stop here (exclusive) instead of after `weeks` whole weeks; releases still count weeks from `start`. */
  end?: Date;
  /** Mean web + other orders per day, before the weekday factor. */
  ordersPerDay: number;
  /** A full profile, or overrides of the default one. */
  profile?: ShopProfile | Partial<ShopProfile>;
  /** The store's TikTok pixel code (the pixel leg's `pixel_code`). */
  pixelCode?: string;
  /** The store's public key (the beacon's `store`). */
  publicKey?: string;
  /** The first numeric platform order id; the default is derived from the store id. */
  firstOrderId?: number;
}

export function simulateShop(opts: SimulateShopOptions): SimulatedShop {
  const profile = isFullProfile(opts.profile) ? opts.profile : defaultProfile(opts.profile ?? {});
  const start = new Date(opts.start.getTime());
  const end = opts.end ? new Date(opts.end.getTime()) : new Date(start.getTime() + opts.weeks * 7 * DAY);
  if (!(end.getTime() > start.getTime())) throw new RangeError('simulateShop: end must be after start');
  const pixelCode = opts.pixelCode ?? `CSIM${hashSeed(opts.storeId).toString(36).toUpperCase()}0000`;
  const publicKey = opts.publicKey ?? `swpk_sim_${opts.storeId}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  const firstOrderId = opts.firstOrderId ?? 5_000_000_000_000 + (hashSeed(opts.storeId, 'ids') % 90_000) * 1_000_000;
  const root = createRng(hashSeed(opts.seed, opts.storeId));
  const releases = resolveReleases(profile, start, opts.storeId);

  const ctx = makeCtx(opts.storeId, profile, start, end, pixelCode, publicKey, releases);
  const hourEntries = profile.hourWeights.map((w, h) => [h, w] as const);
  const orders: SimulatedOrder[] = [];
  for (let dayStart = start.getTime(); dayStart < end.getTime(); dayStart += DAY) {
    const day = new Date(dayStart).toISOString().slice(0, 10);
    const dayRng = root.fork(`day:${day}`);
    const weekday = (new Date(dayStart).getUTCDay() + 6) % 7;
    const count = dayRng.poisson(opts.ordersPerDay * (profile.weekdayFactors[weekday] ?? 1));
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const hour = dayRng.weighted(hourEntries);
      times.push(dayStart + hour * HOUR + Math.floor(dayRng.next() * HOUR / SECOND) * SECOND);
    }
    times.sort((a, b) => a - b);
    times.forEach((t, i) => {
      if (t >= end.getTime()) return;
      const index = orders.length;
      orders.push(simulateOrder(ctx, root.fork(`order:${day}:${i}`), index, firstOrderId + index, new Date(t)));
    });
  }
  return { storeId: opts.storeId, seed: opts.seed, start, end, profile, pixelCode, publicKey, firstOrderId, orders, releases };
}

/**
 * One more order of a simulated shop, placed at `at` (the demo's live traffic): the next order id,
 * the shop's profile and releases, its own random stream. Appended to `shop.orders`. Late
 * backfills are not simulated for it (they would land in the future).
 */
export function nextOrder(shop: SimulatedShop, at: Date): SimulatedOrder {
  const index = shop.orders.length;
  const ctx = makeCtx(shop.storeId, shop.profile, shop.start, new Date(at.getTime() + HOUR), shop.pixelCode, shop.publicKey, shop.releases);
  const rng = createRng(hashSeed(shop.seed, shop.storeId)).fork(`live:${index}`);
  const order = simulateOrder(ctx, rng, index, shop.firstOrderId + index, new Date(Math.floor(at.getTime() / SECOND) * SECOND));
  shop.orders.push(order);
  return order;
}

function makeCtx(
  storeId: string,
  profile: ShopProfile,
  start: Date,
  end: Date,
  pixelCode: string,
  publicKey: string,
  releases: ReleaseMarker[],
): Ctx {
  return {
    storeId,
    profile,
    start,
    end,
    pixelCode,
    publicKey,
    releases,
    sourceEntries: Object.entries(profile.sources) as [VisitSource, number][],
    mixes: {
      tiktokAd: mixEntries(profile.devices.tiktokAd),
      sharedLink: mixEntries(profile.devices.sharedLink),
      tiktokOrganic: mixEntries(profile.devices.tiktokOrganic),
      general: mixEntries(profile.devices.general),
    },
  };
}

interface Ctx {
  storeId: string;
  profile: ShopProfile;
  start: Date;
  end: Date;
  pixelCode: string;
  publicKey: string;
  releases: ReleaseMarker[];
  sourceEntries: [VisitSource, number][];
  mixes: Record<'tiktokAd' | 'sharedLink' | 'tiktokOrganic' | 'general', [DeviceKey, number][]>;
}

function isFullProfile(p: SimulateShopOptions['profile']): p is ShopProfile {
  return !!p && 'rates' in p && 'sources' in p && 'devices' in p && 'releases' in p && 'hourWeights' in p;
}

function resolveReleases(profile: ShopProfile, start: Date, storeId: string): ReleaseMarker[] {
  const markers: ReleaseMarker[] = [];
  profile.releases.forEach((r, i) => {
    const releasedAt = new Date(start.getTime() + ((r.week - 1) * 7 + (r.day ?? 1)) * DAY + (r.hour ?? 15) * HOUR);
    markers.push({
      kind: r.kind,
      name: r.name,
      description: r.description ?? null,
      releasedAt,
      effect: r.effect,
      revert: false,
      externalRef: `sim-${storeId}-${i}`,
    });
    if (r.durationDays !== undefined) {
      markers.push({
        kind: r.kind,
        name: r.revertName ?? `Revert: ${r.name}`,
        description: `Reverts ${r.name}.`,
        releasedAt: new Date(releasedAt.getTime() + r.durationDays * DAY),
        effect: r.effect,
        revert: true,
        externalRef: `sim-${storeId}-${i}-revert`,
      });
    }
  });
  return markers.sort((a, b) => a.releasedAt.getTime() - b.releasedAt.getTime());
}

/** The effects active at `at` (a release counts from its instant until its revert). */
function effectsAt(releases: readonly ReleaseMarker[], at: Date): ReleaseEffect[] {
  const active = new Set<ReleaseEffect>();
  for (const r of releases) {
    if (r.releasedAt.getTime() > at.getTime()) break;
    if (r.effect === 'none') continue;
    if (r.revert) active.delete(r.effect);
    else active.add(r.effect);
  }
  return [...active];
}

export function eventIdFor(template: string, orderId: string): string {
  return template.split('{order_id}').join(orderId);
}

const PRODUCTS = ['linen-shirt', 'canvas-tote', 'wool-beanie', 'trail-socks', 'denim-jacket', 'silk-scarf', 'rain-shell', 'cotton-tee'];
const CAMPAIGNS = ['spring_launch', 'ugc_hooks', 'retarget_7d', 'creator_collab', 'always_on'];
const AREA_CODES = ['212', '310', '312', '415', '512', '617', '646', '702', '718', '305', '206', '404'];

function simulateOrder(ctx: Ctx, rng: Rng, index: number, numericId: number, processedAt: Date): SimulatedOrder {
  const { profile, end } = ctx;
  const rates = profile.rates;
  const platformId = String(numericId);
  const name = `#${1001 + index}`;
  const checkoutToken = `ct_${rng.fork('token').alnum(24)}`;
  const activeEffects = effectsAt(ctx.releases, processedAt);

  // ── kind, value, cancellation
  const kRng = rng.fork('kind');
  const u = kRng.next();
  const kind: OrderKind =
    u < rates.testOrders ? 'test' : u < rates.testOrders + rates.posOrders ? 'pos' : u < rates.testOrders + rates.posOrders + rates.draftOrders ? 'draft' : 'web';
  const value = Math.max(5, Math.round(kRng.logNormal(profile.valueMedian, profile.valueSigma) * 100) / 100);
  let cancelledAt: Date | null = null;
  if (kind === 'web' && kRng.chance(rates.cancelled)) {
    const at = new Date(processedAt.getTime() + kRng.between(2, 72) * HOUR);
    if (at.getTime() < end.getTime()) cancelledAt = new Date(Math.floor(at.getTime() / SECOND) * SECOND);
  }
  const browsing = kind === 'web' || kind === 'test';

  // ── shopper and journey
  const sRng = rng.fork('shopper');
  const source: VisitSource = sRng.weighted(ctx.sourceEntries);
  const device = browsing ? pickDevice(sRng, ctx, source) : null;
  const shopper: Shopper = {
    device,
    email: `shopper.${sRng.alnum(8).toLowerCase()}@example.com`,
    phone: sRng.chance(rates.phoneGiven) ? `+1${sRng.pick(AREA_CODES)}${sRng.int(201, 989)}${String(sRng.int(0, 9999)).padStart(4, '0')}` : null,
    customerId: sRng.chance(rates.customerAccount) ? 7_000_000_000_000 + sRng.int(1, 899_999_999) : null,
    ip: `${sRng.pick(['203.0.113', '198.51.100', '192.0.2'])}.${sRng.int(1, 254)}`,
  };
  const journey = browsing && device ? simulateJourney(ctx, rng.fork('journey'), source, device, processedAt) : null;

  // ── browser leg
  const browserLeg = browsing && device && journey ? simulateBrowserLeg(ctx, rng.fork('browser'), device, journey, platformId, checkoutToken, processedAt, activeEffects) : null;

  // ── server leg
  const serverLeg = simulateServerLeg(ctx, rng.fork('server'), kind, shopper, journey, browserLeg, platformId, processedAt);

  // ── payloads
  const thankYouUrl = `https://${profile.domain}/checkouts/c/${checkoutToken.slice(3)}/thank-you`;
  const beacon = browserLeg ? beaconFor(ctx, rng.fork('beacon'), browserLeg, device!, platformId, thankYouUrl) : null;
  const pixelEvent: PixelTrackEvent | null =
    browserLeg?.fired && device
      ? {
          pixel_code: ctx.pixelCode,
          event: browserLeg.eventName,
          event_id: browserLeg.eventId,
          timestamp: Math.floor(browserLeg.trackedAt.getTime() / SECOND),
          ...(browserLeg.ttpCookie ? { ttp: browserLeg.ttp } : {}),
          ...(browserLeg.ttclidCookie && journey?.ttclidLanded ? { ttclid: journey.ttclidLanded } : {}),
          properties: { value, currency: profile.currency, order_id: platformId },
          user: { ip: shopper.ip, user_agent: device.userAgent },
        }
      : null;
  const serverEvents = serverEventsFor(ctx, serverLeg, shopper, journey, browserLeg, device, platformId, value, thankYouUrl);

  const order = orderInputFor(ctx, { platformId, name, kind, processedAt, cancelledAt, value, shopper, journey, serverLeg, browserLeg });
  const shopifySeed = shopifySeedFor(order, numericId, shopper, journey, kind, serverLeg, browserLeg);
  const truth = truthFor({ kind, journey, device, browserLeg, serverLeg, pixelEvent, serverEvents, beacon });

  return {
    storeId: ctx.storeId,
    index,
    platformId,
    name,
    kind,
    processedAt,
    cancelledAt,
    value,
    currency: profile.currency,
    checkoutToken,
    shopper,
    journey,
    browserLeg,
    serverLeg,
    activeEffects,
    order,
    shopifySeed,
    beacon,
    pixelEvent,
    serverEvents,
    truth,
  };
}

function pickDevice(rng: Rng, ctx: Ctx, source: VisitSource): DeviceProfile {
  const mix =
    source === 'tiktok_ad'
      ? ctx.mixes.tiktokAd
      : source === 'tiktok_shared'
        ? ctx.mixes.sharedLink
        : source === 'tiktok_bio' || source === 'tiktok_referrer'
          ? ctx.mixes.tiktokOrganic
          : ctx.mixes.general;
  return DEVICES[rng.weighted(mix)];
}

function simulateJourney(ctx: Ctx, rng: Rng, source: VisitSource, device: DeviceProfile, processedAt: Date): Journey {
  const { profile } = ctx;
  const bucket = rng.weighted([
    ['0', 45],
    ['1-6', 30],
    ['7-29', 18],
    ['30+', 7],
  ] as const);
  const daysToConversion = bucket === '0' ? 0 : bucket === '1-6' ? rng.int(1, 6) : bucket === '7-29' ? rng.int(7, 29) : rng.int(30, 60);
  // Whole days between first visit and order equal daysToConversion (floor of the difference).
  const firstVisitAt = new Date(
    processedAt.getTime() - daysToConversion * DAY - Math.floor(rng.between(0.02, 0.9) * (daysToConversion === 0 ? HOUR : DAY) / SECOND) * SECOND,
  );
  const base = `https://${profile.domain}/products/${rng.pick(PRODUCTS)}`;
  const campaign = rng.pick(CAMPAIGNS);
  let ttclidIssued: string | null = null;
  let ltpStripped = false;
  let landingUrl = base;
  let referrerUrl: string | null = null;
  let platformSource = 'direct';
  let utm: VisitSim['utm'] = null;

  switch (source) {
    case 'tiktok_ad':
    case 'tiktok_shared': {
      ttclidIssued = `E.C.P.${rng.alnum(40)}`;
      utm = { source: 'tiktok', medium: 'paid', campaign };
      const safariLtp =
        source === 'tiktok_shared' &&
        profile.linkTrackingProtection &&
        device.browser === 'Safari' &&
        (device.os === 'iOS' || device.os === 'macOS') &&
        device.browserVersion >= LTP_SAFARI_MAJOR;
      ltpStripped = safariLtp;
      const params = new URLSearchParams({ utm_source: 'tiktok', utm_medium: 'paid', utm_campaign: campaign });
      if (!ltpStripped) params.set('ttclid', ttclidIssued);
      landingUrl = `${base}?${params}`;
      referrerUrl = source === 'tiktok_ad' && device.browser !== 'TikTok' ? 'https://www.tiktok.com/' : null;
      platformSource = 'tiktok';
      break;
    }
    case 'tiktok_bio':
      utm = { source: 'tiktok', medium: 'social', campaign: 'bio_link' };
      landingUrl = `${base}?utm_source=tiktok&utm_medium=social&utm_campaign=bio_link`;
      platformSource = 'tiktok';
      break;
    case 'tiktok_referrer':
      referrerUrl = 'https://www.tiktok.com/';
      platformSource = 'tiktok';
      break;
    case 'google':
      if (rng.chance(0.5)) {
        utm = { source: 'google', medium: 'cpc', campaign: 'brand_search' };
        landingUrl = `${base}?utm_source=google&utm_medium=cpc&utm_campaign=brand_search&gclid=${rng.alnum(24)}`;
      }
      referrerUrl = 'https://www.google.com/';
      platformSource = 'google';
      break;
    case 'email':
      utm = { source: 'klaviyo', medium: 'email', campaign: 'weekly_newsletter' };
      landingUrl = `${base}?utm_source=klaviyo&utm_medium=email&utm_campaign=weekly_newsletter`;
      platformSource = 'email';
      break;
    case 'organic':
      landingUrl = rng.chance(0.5) ? `https://${profile.domain}/` : base;
      break;
  }
  const firstVisit: VisitSim = { occurredAt: firstVisitAt, landingUrl, referrerUrl, platformSource, utm };
  const lastVisit: VisitSim | null =
    daysToConversion > 0 && rng.chance(0.5)
      ? {
          occurredAt: new Date(processedAt.getTime() - Math.floor(rng.between(5, 50) * MINUTE / SECOND) * SECOND),
          landingUrl: `https://${profile.domain}/`,
          referrerUrl: null,
          platformSource: 'direct',
          utm: null,
        }
      : null;
  return {
    source,
    daysToConversion,
    firstVisit,
    lastVisit,
    ttclidIssued,
    ttclidLanded: ltpStripped ? null : ttclidIssued,
    ltpStripped,
  };
}

function simulateBrowserLeg(
  ctx: Ctx,
  rng: Rng,
  device: DeviceProfile,
  journey: Journey,
  platformId: string,
  checkoutToken: string,
  processedAt: Date,
  effects: ReleaseEffect[],
): BrowserLegSim {
  const { profile } = ctx;
  const r = profile.rates;
  // Every draw happens whatever the branch, so a release changes only what it touches.
  const confirmationViewed = rng.chance(r.confirmationView);
  const consentDraw = rng.next();
  const consent = consentDraw < r.consentDenied ? 'denied' : consentDraw < r.consentDenied + r.consentGranted ? 'granted' : 'unknown';
  const adBlocker = rng.chance(device.adBlockRate);
  const loadMs = Math.max(250, Math.round(rng.logNormal(r.loadMedianMs * (device.mobile ? 1.3 : 1), r.loadSigma)));
  const slowPage = loadMs > SLOW_PAGE_MS;
  const leftBeforeLoadDraw = rng.chance(r.slowLeftBeforeLoad);
  const leftBeforeScriptDraw = rng.chance(r.leftBeforeScript);
  const leftSlowDraw = rng.chance(r.slowLeftBeforeSend);
  const leftFastDraw = rng.chance(r.fastLeftBeforeSend);
  const notTracked = rng.chance(r.pixelNotTracked);
  const thankYouDelayMs = Math.round(rng.between(1.5, 25) * SECOND);
  const ttp = rng.alnum(27);

  const cspBlocked = effects.includes('csp_blocks_pixel');
  const leftBeforeLoad = slowPage && leftBeforeLoadDraw;
  const leftBeforeScript = leftBeforeLoad && leftBeforeScriptDraw;
  const leftBeforeSend = !leftBeforeLoad && (slowPage ? leftSlowDraw : leftFastDraw);
  const pixelTracked = !notTracked;
  const pixelLoaded = !leftBeforeLoad && !adBlocker && !cspBlocked;
  const fired = confirmationViewed && pixelLoaded && pixelTracked && consent !== 'denied' && !leftBeforeSend;

  // The pixel's cookies: _ttp exists when TikTok's library ran on an earlier page without a
  // blocker or a refusal; ttclid survives from the landing URL unless ITP capped it (7 days).
  const itpCapped = device.webkit && journey.daysToConversion >= ITP_COOKIE_DAYS;
  const ttpCookie = !adBlocker && consent !== 'denied';
  const ttclidCookie = journey.ttclidLanded !== null && !adBlocker && consent !== 'denied' && !itpCapped;

  const eventId = effects.includes('pixel_event_id_checkout_token') ? checkoutToken : eventIdFor(profile.eventIdTemplate, platformId);
  const trackedAt = new Date(processedAt.getTime() + thankYouDelayMs + Math.min(loadMs, 60_000));
  return {
    confirmationViewed,
    consent,
    adBlocker,
    cspBlocked,
    loadMs,
    slowPage,
    leftBeforeLoad,
    leftBeforeScript,
    leftBeforeSend,
    pixelTracked,
    pixelLoaded,
    fired,
    eventName: profile.pixelEventName,
    eventId,
    trackedAt,
    ttpCookie,
    ttclidCookie,
    ttp,
  };
}

function simulateServerLeg(
  ctx: Ctx,
  rng: Rng,
  kind: OrderKind,
  shopper: Shopper,
  journey: Journey | null,
  browserLeg: BrowserLegSim | null,
  platformId: string,
  processedAt: Date,
): ServerLegSim {
  const { profile, end } = ctx;
  const r = profile.rates;
  const sentDraw = rng.chance(r.serverSent);
  const testCodeDraw = rng.chance(r.testOrderTestCode);
  const posDraw = rng.chance(r.posServerEvents);
  const queued = rng.chance(r.serverQueued);
  const lateDraw = rng.chance(r.serverLate);
  const idMissing = rng.chance(r.serverEventIdMissing);
  const duplicate = rng.chance(r.serverDuplicate);
  const delayMs = Math.round(rng.between(1, 45) * SECOND);
  const queueMs = Math.round(rng.between(1, 30) * MINUTE);
  const lateMs = Math.round(rng.between(50, 80) * HOUR);
  const keyDraws = {
    email: rng.chance(r.sendEmail),
    phone: rng.chance(r.sendPhone),
    external_id: rng.chance(r.sendExternalId),
    ttclid: rng.chance(r.sendTtclid),
    ttp: rng.chance(r.sendTtp),
    ip: rng.chance(r.sendIp),
    user_agent: rng.chance(r.sendUserAgent),
  };
  const withoutPlus = rng.chance(r.phoneWithoutPlus);
  const hashEmpty = rng.chance(r.hashEmptyPhone);

  const sent = kind === 'web' ? sentDraw : kind === 'test' ? sentDraw : kind === 'pos' ? posDraw : false;
  const testEventCode = kind === 'test' && testCodeDraw ? 'TEST12345' : null;
  const late = sent && lateDraw && processedAt.getTime() + lateMs < end.getTime();
  const eventTime = !sent ? null : new Date(Math.floor((processedAt.getTime() + (late ? lateMs : delayMs)) / SECOND) * SECOND);
  const sentAt = !eventTime ? null : new Date(eventTime.getTime() + (queued && !late ? queueMs : Math.round(delayMs / 10)));
  const device = shopper.device;
  const phoneWithoutPlus = sent && keyDraws.phone && shopper.phone !== null && withoutPlus;
  const phoneHashOfEmpty = sent && keyDraws.phone && shopper.phone === null && hashEmpty;
  const keys: Record<SimMatchKey, boolean> = {
    email: sent && keyDraws.email,
    phone: sent && keyDraws.phone && shopper.phone !== null,
    external_id: sent && keyDraws.external_id && shopper.customerId !== null,
    ttclid: sent && keyDraws.ttclid && !!browserLeg?.ttclidCookie && !!journey?.ttclidLanded,
    ttp: sent && keyDraws.ttp && !!browserLeg?.ttpCookie,
    ip: sent && keyDraws.ip && device !== null,
    user_agent: sent && keyDraws.user_agent && device !== null,
  };
  return {
    sent,
    testEventCode,
    eventName: profile.serverEventName,
    eventId: idMissing ? null : eventIdFor(profile.eventIdTemplate, platformId),
    eventTime,
    sentAt,
    queued: sent && queued && !late,
    late,
    duplicate: sent && duplicate,
    keys,
    phoneWithoutPlus,
    phoneHashOfEmpty,
  };
}

function beaconFor(ctx: Ctx, rng: Rng, leg: BrowserLegSim, device: DeviceProfile, platformId: string, thankYouUrl: string): SimulatedBeacon | null {
  const dwellMs = Math.round(rng.between(3, 120) * SECOND);
  const id = `sim_${rng.alnum(20)}`;
  if (!leg.confirmationViewed || leg.leftBeforeScript) return null;
  const loaded = leg.pixelLoaded;
  const requestSeen = leg.pixelTracked ? leg.fired : loaded;
  const body: BeaconBody = {
    v: 1,
    store: ctx.publicKey,
    id,
    order_id: platformId,
    events: leg.pixelTracked ? [{ name: leg.eventName, event_id: leg.eventId, order_id: platformId }] : [],
    page: { url: thankYouUrl, load_ms: leg.leftBeforeLoad ? null : leg.loadMs },
    pixel: { loaded, tracked: leg.pixelTracked, request_seen: requestSeen },
    probe: leg.adBlocker ? 'blocked' : leg.leftBeforeLoad ? 'unknown' : 'ok',
    consent: leg.consent,
    ttclid: leg.ttclidCookie,
    ttp: leg.ttpCookie,
    brave: device.brave,
  };
  return { body, userAgent: device.userAgent, receivedAt: new Date(leg.trackedAt.getTime() + dwellMs) };
}

type SimulatedBeacon = NonNullable<SimulatedOrder['beacon']>;

function serverEventsFor(
  ctx: Ctx,
  leg: ServerLegSim,
  shopper: Shopper,
  journey: Journey | null,
  browserLeg: BrowserLegSim | null,
  device: DeviceProfile | null,
  platformId: string,
  value: number,
  thankYouUrl: string,
): SimulatedServerEvent[] {
  if (!leg.sent || !leg.eventTime || !leg.sentAt) return [];
  const { profile } = ctx;
  const user: EventsApiUser = {};
  if (leg.keys.email) user.email = hashed('email', shopper.email, profile.phoneCountry);
  if (leg.keys.phone && shopper.phone) {
    // Meta-style senders hash the digits without '+': a valid hash TikTok cannot match.
    user.phone = leg.phoneWithoutPlus ? sha256Hex(shopper.phone.replace(/^\+/, '')) : hashed('phone', shopper.phone, profile.phoneCountry);
  } else if (leg.phoneHashOfEmpty) {
    user.phone = sha256Hex('');
  }
  if (leg.keys.external_id && shopper.customerId !== null) user.external_id = hashed('external_id', String(shopper.customerId), profile.phoneCountry);
  if (leg.keys.ttclid && journey?.ttclidLanded) user.ttclid = journey.ttclidLanded;
  if (leg.keys.ttp && browserLeg) user.ttp = browserLeg.ttp;
  if (leg.keys.ip) user.ip = shopper.ip;
  if (leg.keys.user_agent && device) user.user_agent = device.userAgent;
  const event: EventsApiEvent = {
    event: leg.eventName,
    event_time: Math.floor(leg.eventTime.getTime() / SECOND),
    ...(leg.eventId !== null ? { event_id: leg.eventId } : {}),
    user,
    properties: {
      currency: profile.currency,
      value,
      content_type: 'product',
      contents: [{ content_id: `SKU-${platformId.slice(-4)}`, quantity: 1, price: value }],
      order_id: platformId,
    },
    page: { url: thankYouUrl },
  };
  const events: SimulatedServerEvent[] = [{ event, testEventCode: leg.testEventCode, sentAt: leg.sentAt }];
  if (leg.duplicate) {
    events.push({ event, testEventCode: leg.testEventCode, sentAt: new Date(leg.sentAt.getTime() + 90 * SECOND) });
  }
  return events;
}

function hashed(field: 'email' | 'phone' | 'external_id', raw: string, country: string): string {
  const result = hashMatchKey(field, raw, { country });
  if (!result.ok) throw new Error(`simulator generated an unhashable ${field}: ${result.message}`);
  return result.sha256;
}

function visitInput(v: VisitSim): Visit {
  return {
    occurredAt: v.occurredAt,
    landingPage: v.landingUrl,
    referrerUrl: v.referrerUrl,
    source: v.platformSource,
    sourceType: null,
    utmSource: v.utm?.source ?? null,
  };
}

function orderInputFor(
  ctx: Ctx,
  o: {
    platformId: string;
    name: string;
    kind: OrderKind;
    processedAt: Date;
    cancelledAt: Date | null;
    value: number;
    shopper: Shopper;
    journey: Journey | null;
    serverLeg: ServerLegSim;
    browserLeg: BrowserLegSim | null;
  },
): OrderInput {
  const channel = o.kind === 'pos' ? 'pos' : o.kind === 'draft' ? 'shopify_draft_order' : 'web';
  return {
    platformId: o.platformId,
    name: o.name,
    processedAt: o.processedAt,
    createdAt: o.processedAt,
    updatedAt: o.cancelledAt ?? o.processedAt,
    value: o.value,
    currency: ctx.profile.currency,
    test: o.kind === 'test',
    cancelledAt: o.cancelledAt,
    channel,
    email: o.shopper.email,
    phone: o.shopper.phone,
    externalId: o.shopper.customerId !== null ? String(o.shopper.customerId) : null,
    ip: o.shopper.device ? o.shopper.ip : null,
    userAgent: o.shopper.device?.userAgent ?? null,
    ttclid: o.journey?.ttclidLanded ?? null,
    ttp: o.serverLeg.keys.ttp && o.browserLeg ? o.browserLeg.ttp : null,
    visits: o.journey
      ? {
          first: visitInput(o.journey.firstVisit),
          last: visitInput(o.journey.lastVisit ?? o.journey.firstVisit),
        }
      : { first: null, last: null },
    daysToConversion: o.journey?.daysToConversion ?? null,
  };
}

function shopifySeedFor(
  order: OrderInput,
  numericId: number,
  shopper: Shopper,
  journey: Journey | null,
  kind: OrderKind,
  serverLeg: ServerLegSim,
  browserLeg: BrowserLegSim | null,
): FakeOrderSeed {
  const visit = (v: VisitSim) => ({
    occurredAt: v.occurredAt,
    landingPage: v.landingUrl,
    referrerUrl: v.referrerUrl,
    source: v.platformSource,
    sourceType: null,
    utm: v.utm ? { source: v.utm.source, medium: v.utm.medium, campaign: v.utm.campaign } : null,
  });
  const attributes: Record<string, string> = {};
  if (serverLeg.keys.ttp && browserLeg) attributes._ttp = browserLeg.ttp;
  return {
    id: numericId,
    name: order.name ?? undefined,
    processedAt: order.processedAt,
    createdAt: order.processedAt,
    updatedAt: order.updatedAt ?? order.processedAt,
    cancelledAt: order.cancelledAt ?? null,
    total: order.value.toFixed(2),
    currency: order.currency,
    test: order.test,
    sourceName: order.channel ?? 'web',
    financialStatus: order.cancelledAt ? 'REFUNDED' : 'PAID',
    email: shopper.email,
    phone: shopper.phone,
    clientIp: order.ip ?? null,
    userAgent: order.userAgent ?? null,
    customerId: shopper.customerId,
    customAttributes: attributes,
    firstVisit: journey ? visit(journey.firstVisit) : null,
    lastVisit: journey ? visit(journey.lastVisit ?? journey.firstVisit) : null,
    daysToConversion: kind === 'web' || kind === 'test' ? (journey?.daysToConversion ?? null) : null,
  };
}

const NO_KEYS: Record<SimMatchKey, boolean> = {
  email: false,
  phone: false,
  external_id: false,
  ttclid: false,
  ttp: false,
  ip: false,
  user_agent: false,
};

function attributionOf(journey: Journey | null): AttributionKind {
  if (!journey) return 'none';
  switch (journey.source) {
    case 'tiktok_ad':
    case 'tiktok_shared':
      return journey.ttclidLanded ? 'click_id' : 'utm';
    case 'tiktok_bio':
      return 'utm';
    case 'tiktok_referrer':
      return 'referrer';
    default:
      return 'none';
  }
}

const canonicalName = (n: string) => (n === 'CompletePayment' ? 'Purchase' : n);

function truthFor(o: {
  kind: OrderKind;
  journey: Journey | null;
  device: DeviceProfile | null;
  browserLeg: BrowserLegSim | null;
  serverLeg: ServerLegSim;
  pixelEvent: PixelTrackEvent | null;
  serverEvents: SimulatedServerEvent[];
  beacon: SimulatedBeacon | null;
}): OrderTruth {
  const { journey, device, browserLeg: b, serverLeg: s } = o;
  const inScope = o.kind === 'web';
  const attribution = attributionOf(journey);
  const browserFired = !!b?.fired;
  const serverFired = s.sent && s.testEventCode === null;

  let sameEventId: boolean | null = null;
  let deduplicated: boolean | null = null;
  let doubleCountReason: OrderTruth['doubleCountReason'] = null;
  if (browserFired && serverFired && b && s.eventTime) {
    sameEventId = s.eventId !== null && b.eventId === s.eventId;
    const sameName = canonicalName(b.eventName) === canonicalName(s.eventName);
    const within48h = Math.abs(s.eventTime.getTime() - b.trackedAt.getTime()) <= 48 * HOUR;
    deduplicated = sameEventId && sameName && within48h;
    if (!deduplicated) {
      doubleCountReason = s.eventId === null ? 'event_id_missing' : !sameEventId ? 'event_id_mismatch' : !sameName ? 'event_name_mismatch' : 'outside_48h';
    }
  }

  // Why the browser leg was lost: the taxonomy's first match over what really happened.
  let lostCause: SimLostCause | null = null;
  let mechanism: LostMechanism | null = null;
  if (b && !b.fired) {
    if (!b.confirmationViewed) [lostCause, mechanism] = ['no_confirmation_view', 'no_confirmation_view'];
    else if (b.consent === 'denied') [lostCause, mechanism] = ['consent_denied', 'consent_denied'];
    else if (b.adBlocker) [lostCause, mechanism] = ['ad_blocker', device?.brave ? 'brave_shields' : 'blocker_extension'];
    else if (b.cspBlocked) [lostCause, mechanism] = ['ad_blocker', 'csp'];
    else if (b.leftBeforeScript) [lostCause, mechanism] = ['slow_page', 'left_before_script'];
    else if (b.leftBeforeLoad) [lostCause, mechanism] = ['slow_page', 'left_before_load'];
    else if (b.slowPage || b.leftBeforeSend) [lostCause, mechanism] = ['slow_page', b.leftBeforeSend ? 'left_before_send' : 'pixel_not_tracked'];
    else [lostCause, mechanism] = ['pixel_not_fired', 'pixel_not_tracked'];
  } else if (!b && inScope) {
    [lostCause, mechanism] = ['no_confirmation_view', 'no_confirmation_view'];
  }

  const webkitCapped = !!device && device.webkit && (journey?.daysToConversion ?? 0) >= ITP_COOKIE_DAYS;
  const legEvents: LegEvent[] = [];
  if (o.pixelEvent) {
    legEvents.push({
      leg: 'browser',
      event: o.pixelEvent.event,
      eventId: o.pixelEvent.event_id ?? null,
      ttp: o.pixelEvent.ttp ?? null,
      ttclid: o.pixelEvent.ttclid ?? null,
      eventTime: o.pixelEvent.timestamp,
      test: false,
    });
  }
  for (const e of o.serverEvents) {
    legEvents.push({
      leg: 'server',
      event: e.event.event,
      eventId: e.event.event_id === undefined ? null : String(e.event.event_id),
      ttp: e.event.user?.ttp ?? null,
      ttclid: e.event.user?.ttclid ?? null,
      eventTime: e.event.event_time,
      test: e.testEventCode !== null,
    });
  }

  return {
    inScope,
    attributable: attribution !== 'none',
    attribution,
    browserFired,
    serverFired,
    sameEventId,
    deduplicated,
    doubleCounted: deduplicated === false,
    doubleCountReason,
    lostCause: inScope || b ? lostCause : null,
    mechanism: inScope || b ? mechanism : null,
    // With no beacon the engine can only see "no confirmation view"; that is the truth unless the
    // shopper left before Signalwatch's script ran.
    causeObservable: lostCause !== null && !(b?.leftBeforeScript ?? false),
    weak: {
      clickIdStripped: !!journey?.ltpStripped,
      cookieTruncated: webkitCapped,
    },
    keys: serverFired ? { ...s.keys } : { ...NO_KEYS },
    phoneWithoutPlus: serverFired && s.phoneWithoutPlus,
    expectedLintCodes: serverFired && s.phoneHashOfEmpty ? ['hash_of_empty'] : [],
    tiktokCounted: countedByTikTok(legEvents),
  };
}
