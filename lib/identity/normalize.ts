import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { issueInfo, type HashErrorCode, type IssueCode } from './codes';
import { isPlaceholderRaw } from './sha256';

export type NormalizeResult =
  | { ok: true; normalized: string; issues: IssueCode[] }
  | { ok: false; code: HashErrorCode; message: string };

export interface PhoneOptions {
  /** ISO 3166-1 alpha-2 default country (the store's), used for national numbers. */
  country?: string;
}

function fail(code: HashErrorCode, message?: string): NormalizeResult {
  return { ok: false, code, message: message ?? issueInfo(code).message };
}

// Messages never echo the value: results end up in logs and the relay must not log raw PII.
const EMPTY_MESSAGE = 'Value is empty or a placeholder ("undefined", "null", "+"…); there is nothing to hash.';

// Loose on purpose: we only refuse things that cannot be an address; TikTok hashes whatever we send.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** TikTok email rule: trim leading/trailing whitespace, lowercase. Nothing else (no Gmail dot/+tag rules). */
export function normalizeEmail(raw: string): NormalizeResult {
  const trimmed = raw.trim();
  if (isPlaceholderRaw(trimmed)) return fail('empty_value', EMPTY_MESSAGE);
  if (!EMAIL_SHAPE.test(trimmed)) return fail('email_invalid');
  const normalized = trimmed.toLowerCase();
  const issues: IssueCode[] = [];
  if (trimmed !== raw) issues.push('email_not_trimmed');
  if (normalized !== trimmed) issues.push('email_not_lowercased');
  return { ok: true, normalized, issues };
}

/** TikTok states no case rule for external_id: trim only, so it stays identical to the pixel's value. */
export function normalizeExternalId(raw: string): NormalizeResult {
  const trimmed = raw.trim();
  if (isPlaceholderRaw(trimmed)) return fail('empty_value', EMPTY_MESSAGE);
  return { ok: true, normalized: trimmed, issues: trimmed === raw ? [] : ['external_id_not_trimmed'] };
}

// Digits, one "+", and the separators people type. Letters (extensions, "tel:") are refused:
// an extension has no place in E.164 and guessing would hash the wrong number.
const PHONE_CHARS = /^[\d\s+\-().\/\u00a0\u2011\u2013]+$/;

function parse(text: string, country?: CountryCode): PhoneNumber | undefined {
  try {
    return parsePhoneNumberFromString(text, country ? { defaultCountry: country } : undefined);
  } catch {
    return undefined;
  }
}

/**
 * TikTok phone rule: E.164 with the leading "+". A number without "+" is read as national for the
 * default country; when that does not give a valid number but "+<digits>" does (a Meta-style
 * sender that dropped the "+"), the international reading wins. Valid beats merely possible
 * (right length): libphonenumber calls reserved ranges such as UK 07700 900xxx invalid, but
 * they are still well-formed numbers whose E.164 form is unambiguous.
 */
export function normalizePhone(raw: string, opts: PhoneOptions = {}): NormalizeResult {
  let country: CountryCode | undefined;
  if (opts.country !== undefined && opts.country !== '') {
    const c = opts.country.trim().toUpperCase();
    if (!isSupportedCountry(c)) return fail('country_invalid');
    country = c;
  }
  const trimmed = raw.trim();
  if (isPlaceholderRaw(trimmed)) return fail('empty_value', EMPTY_MESSAGE);
  if (!/\d/.test(trimmed)) return fail('phone_invalid', 'Phone has no digits.');
  if (!PHONE_CHARS.test(trimmed)) {
    return fail('phone_invalid', 'Phone contains characters other than digits, "+" and separators (letters, extensions).');
  }
  const digits = trimmed.replace(/\D/g, '');
  const plusCount = (trimmed.match(/\+/g) ?? []).length;
  if (plusCount > 1 || (plusCount === 1 && !/^\(?\s*\+/.test(trimmed))) {
    return fail('phone_invalid', 'Phone has a "+" that is not at the start.');
  }

  let phone: PhoneNumber | undefined;
  if (plusCount === 1) {
    phone = parse(trimmed);
    if (!phone?.isPossible()) return fail('phone_invalid', 'Phone has a "+" but is not a possible international number.');
  } else {
    if (!country) {
      // Without a default country "12133734253" might be national or international: refuse to guess.
      const hint = parse(`+${digits}`)?.isValid()
        ? ' If the digits already start with the country code, add a leading "+".'
        : ' Pass the store\'s default country (e.g. US, GB).';
      return fail('phone_no_country_code', issueInfo('phone_no_country_code').message + hint);
    }
    // National first; the international reading is parsed only when the national one is not valid
    // (a second libphonenumber parse per number was ~25 % of the cost of hashing phones in bulk).
    const national = parse(trimmed, country);
    if (national?.isValid()) phone = national;
    else {
      const international = parse(`+${digits}`);
      phone = international?.isValid() ? international : national?.isPossible() ? national : international?.isPossible() ? international : undefined;
    }
    if (!phone) return fail('phone_invalid', `Phone is not a possible number for country ${country}, nor with its digits read as an international number.`);
  }

  const normalized = phone.number; // E.164, always with "+"
  const issues: IssueCode[] = [];
  if (raw !== normalized) {
    if (plusCount === 0 && digits === normalized.slice(1)) {
      issues.push('phone_missing_plus');
      if (raw !== digits) issues.push('phone_not_e164');
    } else {
      issues.push('phone_not_e164');
    }
  }
  return { ok: true, normalized, issues };
}
