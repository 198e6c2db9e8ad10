import type { HashErrorCode, IssueCode } from './codes';
import { normalizeEmail, normalizeExternalId, normalizePhone, type NormalizeResult } from './normalize';
import { isPlaceholderHash, isSha256Hex, isSha256HexAnyCase, sha256Hex } from './sha256';

export type HashableField = 'email' | 'phone' | 'external_id';
export const HASHED_FIELDS: readonly HashableField[] = ['email', 'phone', 'external_id'];

export interface HashOptions {
  /** ISO 3166-1 alpha-2 default country for national phone numbers (the store's country). */
  country?: string;
}

/**
 * Success: `normalized` is what was hashed, or null when the input was already a SHA-256 and
 * passed through. Failure: nothing can be hashed (the caller drops the key and reports `code`).
 * Shaped so the CLI prints `{ok, ...rest}` → rest, or `{error: {code, message}}`.
 */
export type HashResult =
  | { ok: true; field: HashableField; normalized: string | null; sha256: string; issues: IssueCode[] }
  | { ok: false; field: HashableField; code: HashErrorCode; message: string };

export function normalizeMatchKey(field: HashableField, raw: string, opts: HashOptions = {}): NormalizeResult {
  switch (field) {
    case 'email':
      return normalizeEmail(raw);
    case 'phone':
      return normalizePhone(raw, { country: opts.country });
    case 'external_id':
      return normalizeExternalId(raw);
  }
}

/**
 * Normalize a raw match-key value by TikTok's rules and SHA-256 it. A value that is already a
 * SHA-256 (64 hex) passes through — hashing it again would make it unmatchable.
 */
export function hashMatchKey(field: HashableField, raw: string, opts: HashOptions = {}): HashResult {
  const trimmed = raw.trim();
  if (isSha256HexAnyCase(trimmed)) {
    const sha256 = trimmed.toLowerCase();
    const issues: IssueCode[] = [];
    if (trimmed !== raw) issues.push('hash_not_trimmed');
    if (!isSha256Hex(trimmed)) issues.push('uppercase_hex');
    if (isPlaceholderHash(sha256)) issues.push('hash_of_empty');
    return { ok: true, field, normalized: null, sha256, issues };
  }
  const n = normalizeMatchKey(field, raw, opts);
  if (!n.ok) return { ok: false, field, code: n.code, message: n.message };
  return { ok: true, field, normalized: n.normalized, sha256: sha256Hex(n.normalized), issues: n.issues };
}
