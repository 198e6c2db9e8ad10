/**
 * Every code lib/identity can report, in one table, so the CLI, the dashboard and the docs
 * show the same words. `scope` says where a code can come from:
 * - `value`: a match-key value as seen in an Events API body (lint)
 * - `raw`:   a raw value before hashing (hashMatchKey issues; only visible to the relay in fix
 *            mode, the CLI and the beacon — a hash alone hides them)
 * - `hash_error`: hashMatchKey could not normalize the value at all (ok: false)
 * - `event` / `body`: one event of `data[]` / the request as a whole
 *
 * Severity: `error` = TikTok rejects it, or it silently breaks matching, dedup or purchase
 * counting; `warning` = worth fixing but TikTok still accepts and (probably) uses the event.
 */
export const ISSUE_CODES = [
  // ── match-key values (lint) ──
  { code: 'unhashed_email', scope: 'value', severity: 'error', message: 'A raw email address was sent where a SHA-256 hash is required.' },
  { code: 'unhashed_phone', scope: 'value', severity: 'error', message: 'A raw phone number was sent where a SHA-256 hash is required.' },
  { code: 'unhashed_external_id', scope: 'value', severity: 'error', message: 'external_id is not a 64-character SHA-256 hex hash.' },
  // Warning, not error: the digest is right, only its spelling differs. TikTok documents lowercase
  // hex but not whether it compares case-insensitively, so we cannot claim matching breaks; fix
  // mode lowercases it anyway.
  { code: 'uppercase_hex', scope: 'value', severity: 'warning', message: 'SHA-256 hex contains uppercase letters; TikTok expects lowercase hex.' },
  { code: 'wrong_hash_length', scope: 'value', severity: 'error', message: 'Hex value is not 64 characters long (MD5 is 32, SHA-1 is 40); TikTok needs SHA-256.' },
  { code: 'hash_of_empty', scope: 'value', severity: 'error', message: 'SHA-256 of an empty or placeholder value ("", "+", "undefined", "null", "[object Object]"…): the sender hashed a missing field.' },
  { code: 'not_sha256', scope: 'value', severity: 'error', message: 'Value is neither a SHA-256 hash nor a recognizable raw email or phone.' },
  { code: 'empty_value', scope: 'value', severity: 'warning', message: 'Empty or placeholder value ("", "undefined", "null"…); omit the key when there is no value.' },

  // ── raw values (hashMatchKey issues) ──
  { code: 'email_not_trimmed', scope: 'raw', severity: 'error', message: 'Email has leading or trailing whitespace; it must be trimmed before hashing.' },
  { code: 'email_not_lowercased', scope: 'raw', severity: 'error', message: 'Email has uppercase letters; it must be lowercased before hashing.' },
  { code: 'phone_missing_plus', scope: 'raw', severity: 'error', message: 'Phone has its country code but no leading "+" (Meta/Snap style); TikTok hashes E.164 with the "+".' },
  { code: 'phone_not_e164', scope: 'raw', severity: 'error', message: 'Phone is not in E.164 form (spaces, dashes, brackets, trunk 0 or a national number); it must be +<country code><number> before hashing.' },
  { code: 'external_id_not_trimmed', scope: 'raw', severity: 'error', message: 'external_id has leading or trailing whitespace; it must be trimmed before hashing.' },
  { code: 'hash_not_trimmed', scope: 'raw', severity: 'warning', message: 'SHA-256 hash has surrounding whitespace.' },

  // ── hashMatchKey failures (ok: false) ──
  { code: 'email_invalid', scope: 'hash_error', severity: 'error', message: 'Not an email address (expected local@domain.tld).' },
  { code: 'phone_invalid', scope: 'hash_error', severity: 'error', message: 'Not a phone number that can be normalized to E.164.' },
  { code: 'phone_no_country_code', scope: 'hash_error', severity: 'error', message: 'Phone has no "+" country code and no default country was given, so it cannot be normalized.' },
  { code: 'country_invalid', scope: 'hash_error', severity: 'error', message: 'Default country is not a supported ISO 3166-1 alpha-2 code.' },

  // ── request body ──
  { code: 'body_not_object', scope: 'body', severity: 'error', message: 'Request body is not a JSON object.' },
  { code: 'data_missing', scope: 'body', severity: 'error', message: 'Request body has no "data" array (Events API 2.0 sends events in data[]).' },
  { code: 'data_empty', scope: 'body', severity: 'error', message: '"data" is empty; a request must carry 1 to 1,000 events.' },
  { code: 'batch_too_large', scope: 'body', severity: 'error', message: 'More than 1,000 events in one request; TikTok rejects the whole batch.' },
  { code: 'event_source_missing', scope: 'body', severity: 'error', message: 'Top-level "event_source" is missing.' },
  { code: 'event_source_invalid', scope: 'body', severity: 'error', message: '"event_source" must be one of web, app, offline, crm.' },
  { code: 'event_source_id_missing', scope: 'body', severity: 'error', message: 'Top-level "event_source_id" (the pixel code) is missing.' },
  { code: 'test_event_code_set', scope: 'body', severity: 'warning', message: '"test_event_code" is set: these events go to Test Events and are not counted as live data.' },

  // ── one event ──
  { code: 'event_not_object', scope: 'event', severity: 'error', message: 'Event is not a JSON object.' },
  { code: 'event_source_in_event', scope: 'event', severity: 'error', message: '"event_source" belongs at the top level of the body, not inside data[].' },
  { code: 'field_wrong_type', scope: 'event', severity: 'error', message: 'Field has the wrong JSON type.' },
  { code: 'event_name_missing', scope: 'event', severity: 'error', message: 'Event has no "event" name.' },
  // Error: TikTok accepts it as a custom event, so the purchase silently stops counting as one.
  { code: 'event_name_nonstandard', scope: 'event', severity: 'error', message: 'Event name is a near-miss of a standard event name (names are case-sensitive).' },
  { code: 'event_name_deprecated', scope: 'event', severity: 'warning', message: 'Event name is deprecated (ClickButton, PlaceAnOrder: supported until 2027).' },
  { code: 'event_time_missing', scope: 'event', severity: 'error', message: '"event_time" is missing.' },
  { code: 'event_time_invalid', scope: 'event', severity: 'error', message: '"event_time" must be an integer Unix timestamp in seconds.' },
  { code: 'event_time_in_ms', scope: 'event', severity: 'error', message: '"event_time" looks like milliseconds; TikTok expects Unix seconds.' },
  { code: 'event_id_missing', scope: 'event', severity: 'error', message: 'Purchase has no "event_id": browser and server events cannot be deduplicated.' },
  { code: 'event_id_not_string', scope: 'event', severity: 'error', message: '"event_id" must be a JSON string (TikTok 40002 "not a valid string").' },
  { code: 'value_not_number', scope: 'event', severity: 'error', message: '"properties.value" must be a JSON number (and is required on a purchase).' },
  { code: 'currency_missing', scope: 'event', severity: 'error', message: 'Purchase has no "properties.currency"; the value cannot be used.' },
  { code: 'currency_invalid', scope: 'event', severity: 'error', message: '"properties.currency" is not an active ISO 4217 code (three uppercase letters, e.g. USD).' },
  { code: 'content_id_not_string', scope: 'event', severity: 'error', message: '"contents[].content_id" must be a string.' },
  { code: 'no_match_keys', scope: 'event', severity: 'warning', message: 'Event carries no valid match key (email, phone, external_id, ttclid, ttp, ip, user_agent); TikTok cannot attribute it.' },
  { code: 'page_url_missing', scope: 'event', severity: 'warning', message: '"page.url" is expected on web events.' },
] as const satisfies readonly IssueCodeInfo[];

export type Severity = 'error' | 'warning';
export type IssueScope = 'value' | 'raw' | 'hash_error' | 'body' | 'event';

export interface IssueCodeInfo {
  code: string;
  scope: IssueScope;
  severity: Severity;
  message: string;
}

export type IssueCode = (typeof ISSUE_CODES)[number]['code'];

/** Codes hashMatchKey can fail with. */
export type HashErrorCode = Extract<(typeof ISSUE_CODES)[number], { scope: 'hash_error' }>['code'] | 'empty_value';

/** One finding. `path` is a JSON path into the body, e.g. `data[3].user.phone[0]`; `$` is the body itself. */
export interface Issue {
  code: IssueCode;
  severity: Severity;
  path: string;
  message: string;
}

const BY_CODE: ReadonlyMap<string, IssueCodeInfo> = new Map(ISSUE_CODES.map((c) => [c.code, c]));

export function issueInfo(code: IssueCode): IssueCodeInfo {
  return BY_CODE.get(code)!;
}

export function severityOf(code: IssueCode): Severity {
  return issueInfo(code).severity;
}

export function makeIssue(code: IssueCode, path: string, message?: string): Issue {
  const info = issueInfo(code);
  return { code, severity: info.severity, path, message: message ?? info.message };
}
