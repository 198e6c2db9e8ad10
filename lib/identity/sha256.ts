import crypto, { createHash } from 'node:crypto';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';

const SHA256_LOWER = /^[a-f0-9]{64}$/;
const SHA256_ANY_CASE = /^[a-fA-F0-9]{64}$/;

// One-shot crypto.hash (Node ≥ 20.12) skips the Hash object createHash builds: ~2× faster for the
// short values hashed per order in bulk imports. Same digest.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256Hex(s: string): string {
  return oneShot ? oneShot('sha256', s, 'hex') : createHash('sha256').update(s, 'utf8').digest('hex');
}

/** True for exactly 64 lowercase hex characters — the form TikTok expects and passes through. */
export function isSha256Hex(s: string): boolean {
  return SHA256_LOWER.test(s);
}

/** 64 hex characters in any case (a SHA-256 digest, maybe with uppercase letters). */
export function isSha256HexAnyCase(s: string): boolean {
  return SHA256_ANY_CASE.test(s);
}

/**
 * What buggy senders put in a match key when the field is missing: String(undefined),
 * String({}), a "+" prefixed to an empty phone, a bare country code, a lowercased
 * "[object Object]" (email normalization lowercases it)… Compared case-insensitively for raw
 * values; all case variants are hashed for the hash set.
 */
const PLACEHOLDER_BASES = [
  '',
  'undefined',
  'null',
  'nil',
  'none',
  'nan',
  'n/a',
  'na',
  'unknown',
  '[object object]',
  '[object undefined]',
  '[object null]',
  '{}',
  '[]',
  '""',
  "''",
  '-',
  '0',
  'false',
] as const;

const RAW_PLACEHOLDERS: ReadonlySet<string> = new Set<string>([...PLACEHOLDER_BASES, '+']);

/** An empty, whitespace-only or placeholder raw value ("undefined", "null", "+"…). */
export function isPlaceholderRaw(raw: string): boolean {
  const t = raw.trim().toLowerCase();
  if (RAW_PLACEHOLDERS.has(t)) return true;
  // "+undefined", "+null", "+0": a "+" glued to a missing phone.
  return t.startsWith('+') && RAW_PLACEHOLDERS.has(t.slice(1).trim());
}

function caseVariants(s: string): string[] {
  const cap = s.charAt(0).toUpperCase() + s.slice(1);
  // "[object Object]" is what String({}) really produces.
  const objectForm = s.replace(/^\[object (\w)/, (_m, c: string) => `[object ${c.toUpperCase()}`);
  return [s, s.toUpperCase(), cap, objectForm];
}

function buildPlaceholderHashes(): ReadonlySet<string> {
  // Exact spellings that case variants of the lowercase bases miss.
  const raws = new Set<string>([' ', '  ', '\t', '\n', '\r\n', '+', '++', '+ ', 'NaN', '+NaN', 'N/a']);
  for (const base of PLACEHOLDER_BASES) {
    for (const v of caseVariants(base)) {
      raws.add(v);
      raws.add(`+${v}`);
    }
  }
  // "+1", "+44": an E.164 prefix with no subscriber number.
  for (const country of getCountries()) {
    const cc = getCountryCallingCode(country);
    raws.add(`+${cc}`);
    raws.add(`+${cc}undefined`);
    raws.add(`+${cc}null`);
  }
  return new Set([...raws].map(sha256Hex));
}

/** SHA-256 hex (lowercase) of every placeholder we know senders hash by mistake. */
export const PLACEHOLDER_SHA256: ReadonlySet<string> = buildPlaceholderHashes();

/** True when a 64-hex value (any case) is the hash of an empty or placeholder value. */
export function isPlaceholderHash(hex: string): boolean {
  return PLACEHOLDER_SHA256.has(hex.toLowerCase());
}
