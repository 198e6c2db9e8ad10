import { TIKTOK_CODE } from '@/lib/tiktok/codes';
import { EVENT_SOURCES, MAX_EVENTS_PER_REQUEST } from '@/lib/tiktok/types';

/**
 * Events API 2.0 body checks with TikTok's codes and message style. TikTok's known message is
 * `Invalid value for event_id: not a valid string.`; the fake keeps that text and appends where
 * it happened, e.g. ` (data[3])`. One bad event refuses the whole request.
 */

/** A TikTok error answer (HTTP 200, `{code, message}`); thrown by checks, answered by the server. */
export class TikTokRefusal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TikTokRefusal';
  }
}

export interface TrackEnvelope {
  pixelCode: string;
  testEventCode: string | null;
  data: unknown[];
}

export interface ValidatedEvent {
  event: string;
  eventId: string | null;
  eventTime: number;
  ttclid: string | null;
  ttp: string | null;
  matchKeys: string[];
  value: number | null;
  currency: string | null;
  orderId: string | null;
}

/** Above this `event_time` is milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const LARGEST_PLAUSIBLE_UNIX_SECONDS = 1e11;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const HASHED_KEYS = ['email', 'phone'] as const;
const RAW_STRING_KEYS = ['ttclid', 'ttp', 'ip', 'user_agent', 'locale'] as const;
const MATCH_KEYS = ['email', 'phone', 'external_id', 'ttclid', 'ttp', 'ip', 'user_agent'] as const;

export function invalidParameter(field: string, reason: string, index?: number): TikTokRefusal {
  const where = index === undefined ? '' : ` (data[${index}])`;
  return new TikTokRefusal(TIKTOK_CODE.INVALID_PARAMETER, `Invalid value for ${field}: ${reason}.${where}`);
}

/** Top-level fields, checked before the pixel permission (TikTok needs the pixel code first). */
export function readTrackEnvelope(body: unknown): TrackEnvelope {
  if (!isRecord(body)) {
    throw new TikTokRefusal(TIKTOK_CODE.BAD_PARAMETERS, 'Invalid request body: expected a JSON object.');
  }
  if (body.event_source === undefined) throw invalidParameter('event_source', 'missing data for required field');
  if (!(EVENT_SOURCES as readonly unknown[]).includes(body.event_source)) {
    throw invalidParameter('event_source', `must be one of: ${EVENT_SOURCES.join(', ')}`);
  }
  if (body.event_source_id === undefined) throw invalidParameter('event_source_id', 'missing data for required field');
  if (typeof body.event_source_id !== 'string') throw invalidParameter('event_source_id', 'not a valid string');
  if (body.test_event_code !== undefined && typeof body.test_event_code !== 'string') {
    throw invalidParameter('test_event_code', 'not a valid string');
  }
  if (body.data === undefined) throw invalidParameter('data', 'missing data for required field');
  if (!Array.isArray(body.data)) throw invalidParameter('data', 'not a valid list');
  return { pixelCode: body.event_source_id, testEventCode: body.test_event_code || null, data: body.data };
}

/** Batch size and every event; the first problem refuses the request. */
export function validateEvents(data: readonly unknown[]): ValidatedEvent[] {
  if (data.length === 0) throw invalidParameter('data', 'shorter than minimum length 1');
  if (data.length > MAX_EVENTS_PER_REQUEST) {
    throw new TikTokRefusal(
      TIKTOK_CODE.INVALID_BATCH_SIZE,
      `Invalid batch size: data holds ${data.length} events, the maximum is ${MAX_EVENTS_PER_REQUEST}.`,
    );
  }
  return data.map(validateEvent);
}

function validateEvent(raw: unknown, index: number): ValidatedEvent {
  if (!isRecord(raw)) throw invalidParameter('data', 'invalid input type', index);
  if ('event_source' in raw) throw invalidParameter('event_source', 'unknown field', index);

  const event = requiredString(raw, 'event', index);
  if (event === '') throw invalidParameter('event', 'may not be blank', index);
  const eventTime = raw.event_time;
  if (eventTime === undefined) throw invalidParameter('event_time', 'missing data for required field', index);
  if (typeof eventTime !== 'number' || !Number.isInteger(eventTime) || eventTime < 0) {
    throw invalidParameter('event_time', 'not a valid integer', index);
  }
  if (eventTime >= LARGEST_PLAUSIBLE_UNIX_SECONDS) {
    throw invalidParameter('event_time', 'must be a Unix timestamp in seconds, not milliseconds', index);
  }
  const eventId = optionalString(raw, 'event_id', index);

  const user = optionalRecord(raw, 'user', index) ?? {};
  for (const key of HASHED_KEYS) checkHashed(user, key, index);
  stringValues(user, 'external_id', index);
  for (const key of RAW_STRING_KEYS) optionalString(user, key, index);

  const properties = optionalRecord(raw, 'properties', index) ?? {};
  if (properties.value !== undefined && (typeof properties.value !== 'number' || !Number.isFinite(properties.value))) {
    throw invalidParameter('value', 'not a valid number', index);
  }
  const currency = optionalString(properties, 'currency', index);
  const orderId = optionalString(properties, 'order_id', index);
  if (properties.contents !== undefined) {
    if (!Array.isArray(properties.contents)) throw invalidParameter('contents', 'not a valid list', index);
    for (const content of properties.contents) {
      if (!isRecord(content)) throw invalidParameter('contents', 'invalid input type', index);
      optionalString(content, 'content_id', index);
    }
  }

  const page = optionalRecord(raw, 'page', index);
  if (page) optionalString(page, 'url', index);
  if (raw.limited_data_use !== undefined && typeof raw.limited_data_use !== 'boolean') {
    throw invalidParameter('limited_data_use', 'not a valid boolean', index);
  }

  return {
    event,
    eventId: eventId || null,
    eventTime,
    ttclid: (user.ttclid as string | undefined) || null,
    ttp: (user.ttp as string | undefined) || null,
    matchKeys: MATCH_KEYS.filter((key) => hasValue(user[key])),
    value: typeof properties.value === 'number' ? properties.value : null,
    currency: currency || null,
    orderId: orderId || null,
  };
}

/** email and phone must arrive as SHA-256 hex; empty strings count as absent. */
function checkHashed(user: Record<string, unknown>, key: (typeof HASHED_KEYS)[number], index: number): void {
  for (const value of stringValues(user, key, index)) {
    if (value !== '' && !SHA256_HEX.test(value)) {
      throw new TikTokRefusal(
        TIKTOK_CODE.PII_NOT_HASHED,
        `PII not hashed: user.${key} must be a SHA-256 hash (64 hexadecimal characters). (data[${index}])`,
      );
    }
  }
}

/** A hashed key is a string or an array of strings. */
function stringValues(record: Record<string, unknown>, key: string, index: number): string[] {
  const value = record[key];
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v) => typeof v === 'string')) throw invalidParameter(key, 'not a valid string', index);
  return values as string[];
}

function requiredString(record: Record<string, unknown>, key: string, index: number): string {
  if (record[key] === undefined) throw invalidParameter(key, 'missing data for required field', index);
  return optionalString(record, key, index) as string;
}

function optionalString(record: Record<string, unknown>, key: string, index: number): string | undefined {
  const value = record[key];
  if (value !== undefined && typeof value !== 'string') throw invalidParameter(key, 'not a valid string', index);
  return value;
}

function optionalRecord(record: Record<string, unknown>, key: string, index: number): Record<string, unknown> | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw invalidParameter(key, 'invalid input type', index);
  return value;
}

function hasValue(value: unknown): boolean {
  return Array.isArray(value) ? value.some((v) => v !== '') : value !== undefined && value !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
