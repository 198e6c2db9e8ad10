import { z } from 'zod';

/** TikTok refuses the whole request (40061) above this many events. */
export const MAX_EVENTS_PER_REQUEST = 1000;

export const EVENT_SOURCES = ['web', 'app', 'offline', 'crm'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** SHA-256 lowercase hex; TikTok accepts one value or several. */
export type HashedKey = string | string[];

export interface EventsApiUser {
  email?: HashedKey;
  phone?: HashedKey;
  external_id?: HashedKey;
  ttclid?: string;
  ttp?: string;
  ip?: string;
  user_agent?: string;
  locale?: string;
}

export interface EventsApiContent {
  content_id?: string;
  content_type?: string;
  content_name?: string;
  quantity?: number;
  price?: number;
}

export interface EventsApiProperties {
  currency?: string;
  value?: number;
  content_type?: string;
  contents?: EventsApiContent[];
  order_id?: string;
  [key: string]: unknown;
}

/** One entry of `data[]` in an Events API 2.0 request. */
export interface EventsApiEvent {
  /** Case-sensitive event name, e.g. `Purchase` or legacy `CompletePayment`. */
  event: string;
  /** Unix seconds, UTC (milliseconds are refused). */
  event_time: number;
  /** Must reach TikTok as a string; the client stringifies numbers. */
  event_id?: string | number;
  user?: EventsApiUser;
  properties?: EventsApiProperties;
  page?: { url?: string; referrer?: string };
  limited_data_use?: boolean;
}

export interface EventsApiBody {
  event_source: EventSource;
  /** The pixel code (alphanumeric), not the numeric pixel id. */
  event_source_id: string;
  /** Routes events to the Test Events tab; they never count as live data. */
  test_event_code?: string;
  data: EventsApiEvent[];
}

/** Every Business API answer, errors included, arrives in this envelope (usually with HTTP 200). */
export const tikTokEnvelopeSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  request_id: z.string().optional(),
  data: z.unknown().optional(),
});
export type TikTokEnvelope = z.infer<typeof tikTokEnvelopeSchema>;
