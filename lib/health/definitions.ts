/**
 * The constants behind DESIGN.md §4 "Metrics", in one place, so the SQL (db/queries/health.ts),
 * the report, the formatter and docs/metrics.md say the same thing. Pure.
 */
import { ISSUE_CODES } from '@/lib/identity/codes';
import { MATCH_KEYS, type MatchKey } from '@/db/schema';

export { MATCH_KEYS, type MatchKey };

/** Both spellings TikTok counts as the purchase (CompletePayment was renamed Purchase in 2025). */
export const PURCHASE_EVENT_NAMES = ['CompletePayment', 'Purchase'] as const;

/** Order attributions that make an order TikTok-attributable (A ⊆ O). */
export const ATTRIBUTABLE = ['click_id', 'utm', 'referrer', 'platform_source'] as const;

/** Server events in these delivery states reach (or, for `queued`, will reach) TikTok. */
export const SERVER_LEG_DELIVERIES = ['sent', 'observed', 'queued'] as const;
/** Server events in these states never reach TikTok. */
export const SERVER_FAILED_DELIVERIES = ['rejected', 'dead'] as const;

/** TikTok's cross-leg dedup window. A pair exactly 48 h apart still deduplicates. */
export const DEDUP_WINDOW_SECONDS = 48 * 3600;

/** A page that took longer than this to load counts as slow (`slow_page`). */
export const SLOW_PAGE_MS = 5000;
/** Page-load bucket edges: < 2 s, 2–5 s (inclusive), > 5 s. */
export const FAST_PAGE_MS = 2000;

/** Link Tracking Protection shipped with Safari 17 (iOS 17, macOS Sonoma). */
export const LTP_SAFARI_MAJOR = 17;
/** ITP caps script-set cookies such as `_ttp` at 7 days. */
export const ITP_COOKIE_DAYS = 7;

/** TikTok's counts lag: a window is settled once its end is this old. */
export const SETTLE_HOURS = 72;

/** Match-quality weights (TikTok does not publish its own; this is an estimate). */
export const MATCH_KEY_WEIGHTS: Readonly<Record<MatchKey, number>> = {
  ttclid: 3,
  email: 3,
  phone: 2,
  external_id: 1,
  ttp: 1,
  ip: 0.5,
  user_agent: 0.5,
};

/**
 * Lost-browser causes, in the order they are tested (first match wins). The first four are
 * DESIGN.md's; `pixel_not_fired` takes the orders whose confirmation page was seen, with no
 * consent, blocker or speed problem, yet no purchase went to TikTok (ttq.track not called, or
 * called with a non-purchase name) — a site bug, not a shopper's browser.
 */
export const LOST_BROWSER_CAUSES = ['consent_denied', 'ad_blocker', 'slow_page', 'no_confirmation_view', 'pixel_not_fired'] as const;
export type LostBrowserCause = (typeof LOST_BROWSER_CAUSES)[number];

export const WEAK_MATCH_KINDS = ['click_id_stripped', 'cookie_truncated'] as const;
export type WeakMatchKind = (typeof WEAK_MATCH_KINDS)[number];

/** Why an order seen on both legs was not deduplicated (tested in this order). */
export const DOUBLE_COUNT_REASONS = ['event_id_missing', 'event_id_mismatch', 'event_name_mismatch', 'outside_48h'] as const;
export type DoubleCountReason = (typeof DOUBLE_COUNT_REASONS)[number];

export const DAYS_TO_CONVERSION_BUCKETS = ['0', '1-6', '7-29', '30+', 'unknown'] as const;
export const PAGE_LOAD_BUCKETS = ['<2s', '2-5s', '>5s', 'unknown', 'no beacon'] as const;

/**
 * Lint codes that do not make an event "erroneous" for the normalization error rate: the
 * warnings of lib/identity's table. Any other code (including one added later) is an error.
 */
export const WARNING_LINT_CODES: readonly string[] = ISSUE_CODES.filter((c) => c.severity === 'warning').map((c) => c.code);

export function lintSeverity(code: string): 'error' | 'warning' {
  return WARNING_LINT_CODES.includes(code) ? 'warning' : 'error';
}
