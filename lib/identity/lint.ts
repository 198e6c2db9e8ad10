import { isIP } from 'node:net';
import { makeIssue, type Issue, type IssueCode } from './codes';
import { isIso4217 } from './currencies';
import { DEPRECATED_EVENTS, PURCHASE_EVENTS, suggestEventName } from './event-names';
import { HASHED_FIELDS, type HashableField } from './hash';
import { isPlaceholderHash, isPlaceholderRaw, isSha256Hex, isSha256HexAnyCase } from './sha256';

/** TikTok rejects the whole request above this. */
export const MAX_EVENTS_PER_REQUEST = 1000;
export const EVENT_SOURCES = ['web', 'app', 'offline', 'crm'] as const;

// event_time at or above this is not plausible as seconds (year 5138) but is as milliseconds;
// from MICROS_FROM on it is not milliseconds either.
const MS_FROM = 1e11;
const MICROS_FROM = 1e14;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const present = (v: unknown) => v !== undefined && v !== null;

// "digits/+/separators only, 6–20 characters" (match-keys.md)
const PHONE_LIKE = /^[\d\s+\-().\/]{6,20}$/;
const HEX = /^[a-fA-F0-9]+$/;
const HASH_LENGTHS: Record<number, string> = { 32: 'MD5', 40: 'SHA-1', 56: 'SHA-224', 96: 'SHA-384', 128: 'SHA-512' };

export interface ValueFinding {
  code: IssueCode;
  message?: string;
}

/**
 * Lint one match-key value as it appears in `data[].user` (it should be a SHA-256 hex).
 * Returns null when the value is fine or absent (null/undefined). Messages never contain the
 * value itself, which may be raw PII.
 */
export function lintMatchKeyValue(field: HashableField, value: unknown): ValueFinding | null {
  if (!present(value)) return null;
  if (typeof value === 'number') {
    if (field === 'phone' && Number.isFinite(value)) return { code: 'unhashed_phone', message: 'A raw phone number was sent as a JSON number.' };
    if (field === 'external_id' && Number.isFinite(value)) return { code: 'unhashed_external_id', message: 'external_id was sent as a raw JSON number.' };
    return { code: 'not_sha256', message: `A JSON number was sent as ${field}; expected a SHA-256 hex string.` };
  }
  if (typeof value !== 'string') {
    return { code: 'not_sha256', message: `${field} must be a string or an array of strings, got ${Array.isArray(value) ? 'a nested array' : typeof value}.` };
  }
  const t = value.trim();
  if (isPlaceholderRaw(t)) return { code: 'empty_value' };
  if (isSha256HexAnyCase(t)) {
    if (isPlaceholderHash(t)) return { code: 'hash_of_empty' };
    if (t !== value) return { code: 'not_sha256', message: 'SHA-256 hex has surrounding whitespace.' };
    return isSha256Hex(t) ? null : { code: 'uppercase_hex' };
  }
  if (t.includes('@')) return { code: 'unhashed_email' };
  if (PHONE_LIKE.test(t) && (t.match(/\d/g) ?? []).length >= 6) {
    // A plain number in external_id is far more likely a customer id than a phone.
    if (field === 'external_id' && !t.includes('+')) return { code: 'unhashed_external_id' };
    return { code: 'unhashed_phone' };
  }
  if (HEX.test(t) && (HASH_LENGTHS[t.length] || (t.length >= 16 && /[a-fA-F]/.test(t)))) {
    const algo = HASH_LENGTHS[t.length];
    return {
      code: 'wrong_hash_length',
      message: `Hex value has ${t.length} characters${algo ? ` (looks like ${algo})` : ''}; TikTok needs SHA-256 (64).`,
    };
  }
  if (field === 'external_id') return { code: 'unhashed_external_id' };
  return { code: 'not_sha256' };
}

/** Lint `user.<field>`, a string or an array of strings. Paths of array items get `[i]`. */
export function lintMatchKey(field: HashableField, value: unknown, path: string): Issue[] {
  const values = Array.isArray(value) ? value.map((v, i) => [v, `${path}[${i}]`] as const) : [[value, path] as const];
  const issues: Issue[] = [];
  for (const [v, p] of values) {
    const f = lintMatchKeyValue(field, v);
    if (f) issues.push(makeIssue(f.code, p, f.message));
  }
  return issues;
}

export interface MatchKeysPresent {
  email: boolean;
  phone: boolean;
  external_id: boolean;
  ttclid: boolean;
  ttp: boolean;
  ip: boolean;
  user_agent: boolean;
}

function validHash(v: unknown): boolean {
  return typeof v === 'string' && isSha256HexAnyCase(v) && !isPlaceholderHash(v);
}

function validRaw(v: unknown): boolean {
  return typeof v === 'string' && !isPlaceholderRaw(v);
}

/**
 * Which match keys carry a usable value: for hashed keys a well-formed SHA-256 (either case)
 * that is not the hash of a placeholder (any item of an array counts); for ttclid/ttp/
 * user_agent a non-empty, non-placeholder string; for ip a syntactically valid IPv4/IPv6.
 */
export function matchKeysPresent(user: unknown): MatchKeysPresent {
  const u = isPlainObject(user) ? user : {};
  const hashed = (v: unknown) => (Array.isArray(v) ? v.some(validHash) : validHash(v));
  return {
    email: hashed(u.email),
    phone: hashed(u.phone),
    external_id: hashed(u.external_id),
    ttclid: validRaw(u.ttclid),
    ttp: validRaw(u.ttp),
    ip: typeof u.ip === 'string' && isIP(u.ip) !== 0,
    user_agent: validRaw(u.user_agent),
  };
}

export interface LintEventContext {
  /** The body's top-level event_source; `page.url` is only expected for `web`. */
  eventSource?: unknown;
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Lint one event of `data[]`. `index` only builds the paths (`data[3].user.phone`). */
export function lintEvent(event: unknown, index: number, ctx: LintEventContext = {}): Issue[] {
  const base = `data[${index}]`;
  if (!isPlainObject(event)) return [makeIssue('event_not_object', base, `Event is ${typeName(event)}, not a JSON object.`)];
  const issues: Issue[] = [];
  const add = (code: IssueCode, path: string, message?: string) => issues.push(makeIssue(code, path, message));

  if ('event_source' in event) add('event_source_in_event', `${base}.event_source`);

  // ── name ──
  let isPurchase = false;
  const name = event.event;
  if (!present(name) || name === '') add('event_name_missing', `${base}.event`);
  else if (typeof name !== 'string') add('field_wrong_type', `${base}.event`, `"event" must be a string, got ${typeName(name)}.`);
  else {
    const suggestion = suggestEventName(name);
    if (suggestion) {
      add('event_name_nonstandard', `${base}.event`, `"${name}" is not a standard event name (names are case-sensitive); did you mean "${suggestion}"?`);
    }
    if ((DEPRECATED_EVENTS as readonly string[]).includes(name)) add('event_name_deprecated', `${base}.event`);
    // A near-miss of a purchase name was meant as a purchase: hold it to the purchase checks too.
    isPurchase = PURCHASE_EVENTS.has(name) || (suggestion !== null && PURCHASE_EVENTS.has(suggestion));
  }

  // ── time ──
  const t = event.event_time;
  const timePath = `${base}.event_time`;
  if (!present(t)) add('event_time_missing', timePath);
  else if (typeof t !== 'number') add('event_time_invalid', timePath, `"event_time" must be an integer number of Unix seconds, got ${typeName(t)}.`);
  else if (t >= MS_FROM && t < MICROS_FROM) add('event_time_in_ms', timePath);
  else if (!Number.isInteger(t) || t <= 0 || t >= MICROS_FROM) add('event_time_invalid', timePath);

  // ── event_id ──
  const id = event.event_id;
  const idPath = `${base}.event_id`;
  if (!present(id) || (typeof id === 'string' && id.trim() === '')) {
    if (isPurchase) add('event_id_missing', idPath);
  } else if (typeof id !== 'string') {
    add('event_id_not_string', idPath, `"event_id" must be a JSON string, got ${typeName(id)} (TikTok 40002).`);
  }

  // ── user ──
  const user = event.user;
  if (present(user) && !isPlainObject(user)) {
    add('field_wrong_type', `${base}.user`, `"user" must be an object, got ${typeName(user)}.`);
  } else if (isPlainObject(user)) {
    for (const field of HASHED_FIELDS) issues.push(...lintMatchKey(field, user[field], `${base}.user.${field}`));
  }
  if (!Object.values(matchKeysPresent(user)).some(Boolean)) add('no_match_keys', `${base}.user`);

  // ── properties ──
  const props = event.properties;
  const propsPath = `${base}.properties`;
  if (present(props) && !isPlainObject(props)) {
    add('field_wrong_type', propsPath, `"properties" must be an object, got ${typeName(props)}.`);
  } else {
    const p = isPlainObject(props) ? props : {};
    const value = p.value;
    if (!present(value)) {
      if (isPurchase) add('value_not_number', `${propsPath}.value`, 'Purchase has no "properties.value" (the order total as a JSON number).');
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      add('value_not_number', `${propsPath}.value`, `"properties.value" must be a JSON number, got ${typeName(value)}.`);
    }

    const currency = p.currency;
    if (!present(currency) || currency === '') {
      if (isPurchase) add('currency_missing', `${propsPath}.currency`);
    } else if (typeof currency !== 'string' || !isIso4217(currency)) {
      const hint = typeof currency === 'string' && isIso4217(currency.trim().toUpperCase()) ? ` Use "${currency.trim().toUpperCase()}".` : '';
      add('currency_invalid', `${propsPath}.currency`, `"properties.currency" is not an active ISO 4217 code.${hint}`);
    }

    const contents = p.contents;
    if (present(contents) && !Array.isArray(contents)) {
      add('field_wrong_type', `${propsPath}.contents`, `"contents" must be an array, got ${typeName(contents)}.`);
    } else if (Array.isArray(contents)) {
      contents.forEach((item, i) => {
        const itemPath = `${propsPath}.contents[${i}]`;
        if (!isPlainObject(item)) add('field_wrong_type', itemPath, `contents[] items must be objects, got ${typeName(item)}.`);
        else if (present(item.content_id) && typeof item.content_id !== 'string') {
          add('content_id_not_string', `${itemPath}.content_id`, `"content_id" must be a string, got ${typeName(item.content_id)}.`);
        }
      });
    }
  }

  // ── page ──
  const page = event.page;
  if (present(page) && !isPlainObject(page)) add('field_wrong_type', `${base}.page`, `"page" must be an object, got ${typeName(page)}.`);
  else if (ctx.eventSource === 'web') {
    const url = isPlainObject(page) ? page.url : undefined;
    if (typeof url !== 'string' || url.trim() === '') add('page_url_missing', `${base}.page.url`);
  }

  return issues;
}

export interface EventsBodyLint {
  /** False when any issue has severity `error`. */
  ok: boolean;
  /** Number of entries in `data` (0 when it is not an array). */
  events: number;
  issues: Issue[];
}

/** Lint a whole Events API 2.0 request body (`POST /open_api/v1.3/event/track/`). */
export function lintEventsBody(body: unknown): EventsBodyLint {
  if (!isPlainObject(body)) {
    return { ok: false, events: 0, issues: [makeIssue('body_not_object', '$', `Request body is ${typeName(body)}, not a JSON object.`)] };
  }
  const issues: Issue[] = [];
  const add = (code: IssueCode, path: string, message?: string) => issues.push(makeIssue(code, path, message));

  const source = body.event_source;
  if (!present(source) || source === '') add('event_source_missing', 'event_source');
  else if (!(EVENT_SOURCES as readonly unknown[]).includes(source)) add('event_source_invalid', 'event_source');

  const sourceId = body.event_source_id;
  if (!present(sourceId) || (typeof sourceId === 'string' && sourceId.trim() === '')) add('event_source_id_missing', 'event_source_id');
  else if (typeof sourceId !== 'string') {
    add('field_wrong_type', 'event_source_id', `"event_source_id" must be the pixel code as a string, got ${typeName(sourceId)}.`);
  }

  if (typeof body.test_event_code === 'string' && body.test_event_code.trim() !== '') add('test_event_code_set', 'test_event_code');

  const data = body.data;
  if (!Array.isArray(data)) {
    const legacy = 'event' in body || 'context' in body || 'batch' in body;
    const message = present(data)
      ? `"data" must be an array of events, got ${typeName(data)}.`
      : legacy
        ? 'Request body has no "data" array; it looks like a legacy Events API 1.0 payload (event/context at the top level).'
        : undefined;
    add('data_missing', 'data', message);
    return { ok: false, events: 0, issues };
  }
  if (data.length === 0) add('data_empty', 'data');
  if (data.length > MAX_EVENTS_PER_REQUEST) {
    add('batch_too_large', 'data', `${data.length} events in one request; TikTok accepts at most ${MAX_EVENTS_PER_REQUEST} and rejects the whole batch.`);
  }
  data.forEach((event, i) => issues.push(...lintEvent(event, i, { eventSource: source })));

  return { ok: !issues.some((i) => i.severity === 'error'), events: data.length, issues };
}
