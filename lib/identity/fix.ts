import type { IssueCode } from './codes';
import { HASHED_FIELDS, hashMatchKey, type HashableField, type HashOptions } from './hash';
import { isPlainObject, lintMatchKeyValue } from './lint';
import { isPlaceholderHash, isSha256HexAnyCase } from './sha256';

export type FixAction = 'hashed' | 'rewritten' | 'dropped' | 'stringified' | 'converted';

export interface Fix {
  /** Where, in the input body: `data[0].user.phone[1]`. */
  path: string;
  /** What was wrong (an issue code from ISSUE_CODES). */
  code: IssueCode;
  /** hashed: raw value normalized + SHA-256'd; rewritten: hash lowercased/trimmed; dropped: removed. */
  action: FixAction;
  /** For `hashed`: what was wrong with the raw value (phone_missing_plus, email_not_lowercased…). */
  issues?: IssueCode[];
}

export interface FixResult {
  /** A fixed deep copy; the input is never mutated. */
  body: unknown;
  fixes: Fix[];
}

export type FixOptions = HashOptions;

type Mode = 'fix' | 'pii';

const UNHASHED: Record<HashableField, IssueCode> = {
  email: 'unhashed_email',
  phone: 'unhashed_phone',
  external_id: 'unhashed_external_id',
};

/** One value → its replacement, or `undefined` to drop it. */
function fixValue(field: HashableField, value: unknown, path: string, mode: Mode, opts: FixOptions, fixes: Fix[]): unknown {
  const drop = (code: IssueCode) => {
    fixes.push({ path, code, action: 'dropped' });
    return undefined;
  };

  let raw: string;
  if (typeof value === 'string') raw = value;
  else if (typeof value === 'number' && Number.isFinite(value) && field !== 'email') raw = String(value);
  else return drop('not_sha256'); // objects, booleans, nested arrays: cannot be a hash, may hold PII

  const trimmed = raw.trim();
  if (isSha256HexAnyCase(trimmed)) {
    // Already a SHA-256: never hash again. The PII guard leaves it as is; fix mode cleans it.
    if (mode === 'pii') return value;
    const lower = trimmed.toLowerCase();
    if (isPlaceholderHash(lower)) return drop('hash_of_empty');
    if (lower === raw) return value;
    fixes.push({ path, code: lower !== trimmed ? 'uppercase_hex' : 'not_sha256', action: 'rewritten' });
    return lower;
  }

  // An MD5/SHA-1 of an email or phone cannot be turned into the SHA-256 TikTok needs. An
  // external_id in hex may just be the shop's id (the pixel hashes the same string), so it is hashed.
  if (field !== 'external_id' && lintMatchKeyValue(field, raw)?.code === 'wrong_hash_length') return drop('wrong_hash_length');

  const r = hashMatchKey(field, raw, { country: opts.country });
  if (!r.ok) return drop(r.code);
  fixes.push({ path, code: UNHASHED[field], action: 'hashed', ...(r.issues.length ? { issues: r.issues } : {}) });
  return r.sha256;
}

function fixUser(user: Record<string, unknown>, base: string, mode: Mode, opts: FixOptions, fixes: Fix[]): void {
  for (const field of HASHED_FIELDS) {
    const v = user[field];
    if (v === undefined || v === null) continue;
    const path = `${base}.${field}`;
    if (Array.isArray(v)) {
      const kept = v
        .map((item, i) => fixValue(field, item, `${path}[${i}]`, mode, opts, fixes))
        .filter((x) => x !== undefined);
      if (kept.length) user[field] = kept;
      else delete user[field];
    } else {
      const fixed = fixValue(field, v, path, mode, opts, fixes);
      if (fixed === undefined) delete user[field];
      else user[field] = fixed;
    }
  }
}

function fixEvent(event: Record<string, unknown>, base: string, opts: FixOptions, fixes: Fix[]): void {
  if (typeof event.event_id === 'number' && Number.isFinite(event.event_id)) {
    event.event_id = String(event.event_id);
    fixes.push({ path: `${base}.event_id`, code: 'event_id_not_string', action: 'stringified' });
  }
  const t = event.event_time;
  if (typeof t === 'number' && t >= 1e11 && t < 1e14) {
    event.event_time = Math.floor(t / 1000);
    fixes.push({ path: `${base}.event_time`, code: 'event_time_in_ms', action: 'converted' });
  }
  const props = event.properties;
  if (isPlainObject(props) && Array.isArray(props.contents)) {
    props.contents.forEach((item, i) => {
      if (isPlainObject(item) && typeof item.content_id === 'number' && Number.isFinite(item.content_id)) {
        item.content_id = String(item.content_id);
        fixes.push({ path: `${base}.properties.contents[${i}].content_id`, code: 'content_id_not_string', action: 'stringified' });
      }
    });
  }
}

function run(body: unknown, mode: Mode, opts: FixOptions): FixResult {
  const copy: unknown = structuredClone(body);
  const fixes: Fix[] = [];
  if (!isPlainObject(copy) || !Array.isArray(copy.data)) return { body: copy, fixes };
  copy.data.forEach((event, i) => {
    if (!isPlainObject(event)) return;
    const base = `data[${i}]`;
    if (isPlainObject(event.user)) fixUser(event.user, `${base}.user`, mode, opts, fixes);
    if (mode === 'fix') fixEvent(event, base, opts, fixes);
  });
  return { body: copy, fixes };
}

/**
 * The relay's fix mode. Hashes raw PII in `data[].user.email|phone|external_id` (strings or
 * arrays) by TikTok's normalization, lowercases uppercase hex, drops values that cannot be
 * made matchable (unnormalizable phones, MD5/SHA-1 hashes, placeholder hashes, wrong types),
 * stringifies numeric `event_id` and `content_id`, converts millisecond `event_time` to seconds.
 * Idempotent: fixing a fixed body returns it unchanged with no fixes.
 */
export function fixEventsBody(body: unknown, opts: FixOptions = {}): FixResult {
  return run(body, 'fix', opts);
}

/**
 * The PII guard for anything written to disk (the relay outbox): every value of
 * `data[].user.email|phone|external_id` that is not already a SHA-256 comes out hashed, or is
 * dropped (and reported) when it cannot be normalized. Nothing else is touched. Other fields
 * (ttclid, ttp, ip, user_agent, and non-standard keys such as first_name) are left as they are.
 */
export function hashRawPii(body: unknown, opts: FixOptions = {}): FixResult {
  return run(body, 'pii', opts);
}
