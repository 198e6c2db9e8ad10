/** TikTok standard web events (Help Center "supported standard events"). */
export const STANDARD_WEB_EVENTS = [
  'AddPaymentInfo',
  'AddToCart',
  'AddToWishlist',
  'ApplicationApproval',
  'CompleteRegistration',
  'Contact',
  'CustomizeProduct',
  'Download',
  'FindLocation',
  'InitiateCheckout',
  'Lead',
  'Purchase',
  'Schedule',
  'Search',
  'StartTrial',
  'SubmitApplication',
  'Subscribe',
  'ViewContent',
] as const;

/** Renamed on 1 May 2025 (CompletePayment → Purchase, SubmitForm → Lead); TikTok still converts them. */
export const LEGACY_EVENTS = ['CompletePayment', 'SubmitForm'] as const;
/** Deprecated, supported until 2027. */
export const DEPRECATED_EVENTS = ['ClickButton', 'PlaceAnOrder'] as const;
/** The pixel's page view, spelled both ways in TikTok's own material. */
export const PAGE_VIEW_EVENTS = ['Pageview', 'PageView'] as const;

export const PURCHASE_EVENTS: ReadonlySet<string> = new Set(['CompletePayment', 'Purchase']);

export const KNOWN_EVENT_NAMES: ReadonlySet<string> = new Set<string>([
  ...STANDARD_WEB_EVENTS,
  ...LEGACY_EVENTS,
  ...DEPRECATED_EVENTS,
  ...PAGE_VIEW_EVENTS,
]);

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const BY_SQUASHED = new Map<string, string>();
for (const name of KNOWN_EVENT_NAMES) if (!BY_SQUASHED.has(squash(name))) BY_SQUASHED.set(squash(name), name);

function editDistanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/**
 * The standard name `name` was probably meant to be, or null when `name` is exactly a known
 * name or not close to any. Near-miss = same letters ignoring case, `_`, `-`, spaces
 * (`purchase`, `complete_payment`, `Completepayment`), or one typo away for names of 6+
 * letters (`Purchse`, `AddToCard`). Short names get no typo tolerance: `Lead` vs `Load` is
 * more likely a real custom event.
 */
export function suggestEventName(name: string): string | null {
  if (KNOWN_EVENT_NAMES.has(name)) return null;
  const s = squash(name);
  if (!s) return null;
  const exact = BY_SQUASHED.get(s);
  if (exact) return exact;
  if (s.length < 6) return null;
  for (const [known, original] of BY_SQUASHED) {
    if (known.length >= 6 && editDistanceAtMostOne(s, known)) return original;
  }
  return null;
}
