import type { OrderInput, Visit } from '@/lib/commerce/types';

/**
 * TikTok attribution of an order from its visits (reference: shopify-and-woocommerce.md,
 * "Deciding that an order is TikTok-attributable"). Pure: no I/O, no clock.
 */
/** `unknown`: the platform withheld the visits, so no evidence either way (not the same as `none`). */
export type AttributionKind = 'click_id' | 'utm' | 'referrer' | 'platform_source' | 'none' | 'pending' | 'unknown';

export interface Attribution {
  attribution: AttributionKind;
  /** Which visit carried the winning evidence. */
  visit: 'first' | 'last' | null;
  /** Evidence found on that visit (only TikTok-matching values). */
  ttclid: string | null;
  utmSource: string | null;
  referrerHost: string | null;
}

interface VisitEvidence {
  kind: AttributionKind;
  ttclid: string | null;
  utmSource: string | null;
  referrerHost: string | null;
}

const STRENGTH: Record<AttributionKind, number> = {
  click_id: 4,
  utm: 3,
  referrer: 2,
  platform_source: 1,
  none: 0,
  pending: 0,
  unknown: 0,
};

const NOTHING: Attribution = { attribution: 'none', visit: null, ttclid: null, utmSource: null, referrerHost: null };

// Any base works: it only lets relative landing paths ("/p/x?ttclid=…") parse as URLs.
const RELATIVE_BASE = 'https://relative.invalid';

export function classifyAttribution(visits: OrderInput['visits']): Attribution {
  if (visits === 'pending' || visits === 'withheld') return { ...NOTHING, attribution: visits === 'pending' ? 'pending' : 'unknown' };
  const last = visits.last ? evidenceOf(visits.last) : null;
  const first = visits.first ? evidenceOf(visits.first) : null;
  // On equal strength the last visit wins: it is the one that led to the purchase.
  const [winner, label] =
    first && STRENGTH[first.kind] > STRENGTH[last?.kind ?? 'none'] ? [first, 'first' as const] : [last, 'last' as const];
  if (!winner || winner.kind === 'none') return NOTHING;
  return {
    attribution: winner.kind,
    visit: label,
    ttclid: winner.ttclid,
    utmSource: winner.utmSource,
    referrerHost: winner.referrerHost,
  };
}

/** The ttclid in a landing URL or path's query, if any (also used to keep it for resend). */
export function ttclidFromLandingPage(landingPage: string | null | undefined): string | null {
  return ttclidOf(parseUrl(landingPage, RELATIVE_BASE));
}

function ttclidOf(landing: URL | null): string | null {
  const value = landing?.searchParams.get('ttclid')?.trim();
  return value ? value : null;
}

function evidenceOf(visit: Visit): VisitEvidence {
  // Parsed once for both the click id and utm_source.
  const landing = parseUrl(visit.landingPage, RELATIVE_BASE);
  const ttclid = ttclidOf(landing);
  const utmSource = tiktokUtmSource(visit, landing);
  const referrerHost = tiktokReferrerHost(visit.referrerUrl);
  const platformSaysTikTok = includesTikTok(visit.source);
  const kind: AttributionKind = ttclid
    ? 'click_id'
    : utmSource
      ? 'utm'
      : referrerHost
        ? 'referrer'
        : platformSaysTikTok
          ? 'platform_source'
          : 'none';
  return { kind, ttclid, utmSource, referrerHost };
}

function tiktokUtmSource(visit: Visit, landing: URL | null): string | null {
  const candidates = [visit.utmSource, landing?.searchParams.get('utm_source')];
  for (const candidate of candidates) {
    const trimmed = candidate?.trim();
    if (!trimmed) continue;
    const lower = trimmed.toLowerCase();
    if (lower.includes('tiktok') || lower === 'tt') return trimmed;
  }
  return null;
}

function tiktokReferrerHost(referrerUrl: string | null | undefined): string | null {
  const trimmed = referrerUrl?.trim();
  if (!trimmed) return null;
  // Referrers sometimes arrive without a scheme ("www.tiktok.com/…").
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? parseUrl(trimmed) : parseUrl(`https://${trimmed}`);
  const host = url?.hostname.toLowerCase().replace(/\.$/, '');
  if (!host) return null;
  return host === 'tiktok.com' || host.endsWith('.tiktok.com') ? host : null;
}

function includesTikTok(value: string | null | undefined): boolean {
  return value?.toLowerCase().includes('tiktok') ?? false;
}

function parseUrl(value: string | null | undefined, base?: string): URL | null {
  if (!value) return null;
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}
