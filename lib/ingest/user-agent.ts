/**
 * Browser and OS from a user agent, normalized to the small stable set the health engine
 * segments by (DESIGN.md §4 "Segments"). Shared by the browser leg (/api/collect) and orders.
 *
 * Parsing is cached in a bounded LRU map: a shop's shoppers send few distinct user agents, and
 * the collect fast path must not run ua-parser's regex tables on every request.
 */
import { UAParser } from 'ua-parser-js';
import { isBot } from './bots';

export const BROWSERS = ['Chrome', 'Safari', 'Firefox', 'Brave', 'Edge', 'TikTok', 'Samsung Internet', 'Other'] as const;
export const OPERATING_SYSTEMS = ['iOS', 'macOS', 'Android', 'Windows', 'Linux', 'Other'] as const;
export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet', 'other'] as const;

export type Browser = (typeof BROWSERS)[number];
export type OperatingSystem = (typeof OPERATING_SYSTEMS)[number];
export type DeviceType = (typeof DEVICE_TYPES)[number];

export interface ParsedUserAgent {
  browser: Browser;
  browserMajor: number | null;
  os: OperatingSystem;
  /** Null when unknown or when the UA freezes it (macOS 10.15, Chrome's reduced "Android 10; K"). */
  osMajor: number | null;
  deviceType: DeviceType;
  /** A crawler, previewer, audit tool or headless browser (lib/ingest/bots.ts). */
  bot: boolean;
}

/** TikTok's in-app browser; checked before ua-parser, whose TikTok rule misses some builds. */
const TIKTOK_INAPP = /BytedanceWebview|musical_ly|TikTok|trill_/i;

const BROWSER_NAMES: Record<string, Browser> = {
  Chrome: 'Chrome',
  'Mobile Chrome': 'Chrome',
  Chromium: 'Chrome',
  Safari: 'Safari',
  'Mobile Safari': 'Safari',
  Firefox: 'Firefox',
  'Mobile Firefox': 'Firefox',
  'Firefox Focus': 'Firefox',
  Brave: 'Brave',
  Edge: 'Edge',
  TikTok: 'TikTok',
  'Samsung Internet': 'Samsung Internet',
};

const LINUXES = new Set(['Linux', 'Ubuntu', 'Debian', 'Fedora', 'Arch', 'Mint', 'Gentoo', 'SUSE', 'openSUSE', 'CentOS', 'RedHat', 'Slackware', 'Manjaro']);

function normalizeOs(name: string | undefined): OperatingSystem {
  if (!name) return 'Other';
  if (name === 'iOS' || name === 'iPadOS') return 'iOS';
  if (name === 'macOS' || name === 'Mac OS') return 'macOS';
  if (name === 'Android') return 'Android';
  if (name === 'Windows') return 'Windows';
  return LINUXES.has(name) ? 'Linux' : 'Other';
}

function major(version: string | undefined): number | null {
  if (!version) return null;
  const n = parseInt(version, 10);
  return Number.isFinite(n) && n >= 0 && n < 100_000 ? n : null;
}

const UNKNOWN: ParsedUserAgent = Object.freeze({
  browser: 'Other',
  browserMajor: null,
  os: 'Other',
  osMajor: null,
  deviceType: 'other',
  bot: false,
});

/** Parses without the cache; prefer parseUserAgent. */
export function parseUserAgentUncached(ua: string): ParsedUserAgent {
  if (!ua) return UNKNOWN;
  const r = new UAParser(ua).getResult();
  const inApp = TIKTOK_INAPP.test(ua);
  const browser: Browser = inApp ? 'TikTok' : (BROWSER_NAMES[r.browser.name ?? ''] ?? 'Other');
  const os = normalizeOs(r.os.name);
  let osMajor = major(r.os.version);
  // Frozen values say nothing about the real version.
  if (os === 'macOS' && /^10[._]15/.test(r.os.version ?? '')) osMajor = null;
  if (os === 'Android' && osMajor === 10 && r.device.model === 'K') osMajor = null;
  const browserMajor = major(r.browser.major ?? r.browser.version);
  // Safari 26 freezes iOS at 18_6 in the UA; on iOS, Safari's version is the OS version.
  if (os === 'iOS' && browser === 'Safari' && browserMajor !== null && browserMajor >= 26 && osMajor === 18) osMajor = browserMajor;
  const t = r.device.type;
  const deviceType: DeviceType = t === 'mobile' || t === 'tablet' ? t : t === undefined ? (os === 'Other' && browser === 'Other' ? 'other' : 'desktop') : 'other';
  return { browser, browserMajor, os, osMajor, deviceType, bot: isBot(ua) };
}

const MAX_UA_LENGTH = 512;
let cacheLimit = 5_000;
const cache = new Map<string, ParsedUserAgent>();

/**
 * Normalized browser/OS/device of a user agent, from a bounded LRU cache. `brave: true`
 * (the page saw `navigator.brave`) turns Chrome into Brave, whose UA is Chrome's.
 */
export function parseUserAgent(userAgent: string | null | undefined, opts?: { brave?: boolean }): ParsedUserAgent {
  const ua = userAgent ? (userAgent.length > MAX_UA_LENGTH ? userAgent.slice(0, MAX_UA_LENGTH) : userAgent) : '';
  let parsed = cache.get(ua);
  if (parsed) {
    // Refresh recency: Map keeps insertion order, so the first key is the least recently used.
    cache.delete(ua);
    cache.set(ua, parsed);
  } else {
    parsed = parseUserAgentUncached(ua);
    cache.set(ua, parsed);
    if (cache.size > cacheLimit) cache.delete(cache.keys().next().value!);
  }
  if (opts?.brave && parsed.browser === 'Chrome') return { ...parsed, browser: 'Brave' };
  return parsed;
}

/** For tests and benchmarks. */
export const userAgentCache = {
  get size() {
    return cache.size;
  },
  clear: () => cache.clear(),
  setLimit(n: number) {
    cacheLimit = n;
    while (cache.size > cacheLimit) cache.delete(cache.keys().next().value!);
  },
};
