export {
  ISSUE_CODES,
  issueInfo,
  severityOf,
  makeIssue,
  type Issue,
  type IssueCode,
  type IssueCodeInfo,
  type IssueScope,
  type HashErrorCode,
  type Severity,
} from './codes';
export { sha256Hex, isSha256Hex, isSha256HexAnyCase, isPlaceholderHash, isPlaceholderRaw, PLACEHOLDER_SHA256 } from './sha256';
export { normalizeEmail, normalizePhone, normalizeExternalId, type NormalizeResult, type PhoneOptions } from './normalize';
export { hashMatchKey, normalizeMatchKey, HASHED_FIELDS, type HashableField, type HashOptions, type HashResult } from './hash';
export {
  lintEventsBody,
  lintEvent,
  lintMatchKey,
  lintMatchKeyValue,
  matchKeysPresent,
  MAX_EVENTS_PER_REQUEST,
  EVENT_SOURCES,
  type EventsBodyLint,
  type LintEventContext,
  type MatchKeysPresent,
  type ValueFinding,
} from './lint';
export { fixEventsBody, hashRawPii, type Fix, type FixAction, type FixOptions, type FixResult } from './fix';
export { ISO_4217_CODES, isIso4217 } from './currencies';
export {
  STANDARD_WEB_EVENTS,
  LEGACY_EVENTS,
  DEPRECATED_EVENTS,
  PAGE_VIEW_EVENTS,
  PURCHASE_EVENTS,
  KNOWN_EVENT_NAMES,
  suggestEventName,
} from './event-names';
