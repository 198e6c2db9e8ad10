/**
 * Orders from any other platform: one row shape shared by the JSON API (POST /api/v1/orders)
 * and CSV import, validated row by row so bad rows are reported and good rows kept.
 */
import { z } from 'zod';
import { isIso4217 } from '@/lib/identity';
import type { OrderInput } from './types';

const optionalText = z
  .string()
  .trim()
  .optional()
  .nullable()
  .transform((v) => (v ? v : null));

// ISO 8601: a date alone, or a date and time with `Z` or an offset (±hh, ±hhmm, ±hh:mm). Years may
// use the expanded form (±YYYYYY). A time without a zone is refused: read in the server's local
// zone it would shift the order by hours, and a zone cannot be guessed.
const ISO_INSTANT = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The instant an ISO 8601 text names, or null. `new Date(text)` is not used on its own: it reads
 * "1" as 2001-01-01, "Nov 4" as 2001-11-04, rolls 2026-02-30 over into March, and takes a time
 * without a zone as local time.
 */
export function parseIsoInstant(text: string): Date | null {
  const m = ISO_INSTANT.exec(text.trim());
  if (!m) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = m;
  if (m[4] !== undefined && m[8] === undefined) return null;
  const [y, mo, d, h, mi, sec] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return null;
  const offset = /^[Zz]$/.test(zone) ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '') || '00'}`;
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4)) > 59)) return null;
  // Re-written in the one form Date parses exactly (milliseconds at most); out-of-range years give NaN.
  const instant = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${offset}`);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/** The instant of a date field, or a per-row issue naming the field and the expected form. */
function instantOrIssue(v: string | number, what: string, ctx: z.RefinementCtx): Date {
  const d = typeof v === 'string' ? parseIsoInstant(v) : null;
  if (d) return d;
  ctx.addIssue({
    code: 'custom',
    message: `${what}: ${JSON.stringify(v)} is not a date in ISO 8601 with a time zone (use e.g. 2026-11-02T14:05:00Z, 2026-11-02T15:05:00+01:00, or 2026-11-02 for UTC midnight)`,
  });
  return z.NEVER;
}

const date = (what: string) => z.union([z.string(), z.number()]).transform((v, ctx) => instantOrIssue(v, what, ctx));

// Empty or absent is null; not a union with `date`, whose failure zod would report as "Invalid input".
const optionalDate = (what: string) =>
  z
    .union([z.string(), z.number(), z.null()])
    .optional()
    .transform((v, ctx) => (v === undefined || v === null || v === '' ? null : instantOrIssue(v, what, ctx)));

/** A plain decimal, as CSV files carry amounts. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

const flag = z
  .union([z.boolean(), z.string(), z.number(), z.null()])
  .optional()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === '') return false;
    if (typeof v === 'boolean') return v;
    const s = String(v).trim().toLowerCase();
    if (['true', '1', 'yes', 'y'].includes(s)) return true;
    if (['false', '0', 'no', 'n'].includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: `test: "${v}" is not true/false` });
    return z.NEVER;
  });

export const genericOrderSchema = z.object({
  id: z.union([z.string().trim().min(1, 'id: required'), z.number().transform(String)]),
  name: optionalText,
  processed_at: date('processed_at'),
  // One transform rather than a union: zod reports a failed union as "Invalid input", not the reason.
  value: z
    .unknown()
    .transform((v, ctx) => {
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && DECIMAL.test(v.trim())) return Number(v);
      const missing = v === undefined || v === null || v === '';
      ctx.addIssue({ code: 'custom', message: missing ? 'value: required' : `value: ${JSON.stringify(v)} is not a number` });
      return z.NEVER;
    })
    .pipe(z.number().finite().nonnegative('value: must not be negative').max(1e11, 'value: too large')),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isIso4217, { error: (iss) => `currency: "${String(iss.input)}" is not an ISO 4217 code` }),
  test: flag,
  cancelled_at: optionalDate('cancelled_at'),
  updated_at: optionalDate('updated_at'),
  channel: optionalText,
  email: optionalText,
  phone: optionalText,
  external_id: optionalText,
  ip: optionalText,
  user_agent: optionalText,
  ttclid: optionalText,
  ttp: optionalText,
  landing_url: optionalText,
  referrer_url: optionalText,
  utm_source: optionalText,
  platform_source: optionalText,
  first_visit_at: optionalDate('first_visit_at'),
});

export type GenericOrder = z.infer<typeof genericOrderSchema>;
export const GENERIC_ORDER_COLUMNS = Object.keys(genericOrderSchema.shape);
export const REQUIRED_ORDER_COLUMNS = ['id', 'processed_at', 'value', 'currency'];

export function genericToOrderInput(o: GenericOrder): OrderInput {
  const hasVisit = o.landing_url || o.referrer_url || o.utm_source || o.platform_source;
  return {
    platformId: o.id,
    name: o.name,
    processedAt: o.processed_at,
    updatedAt: o.updated_at,
    value: o.value,
    currency: o.currency,
    test: o.test,
    cancelledAt: o.cancelled_at,
    channel: o.channel ?? 'web',
    email: o.email,
    phone: o.phone,
    externalId: o.external_id,
    ip: o.ip,
    userAgent: o.user_agent,
    ttclid: o.ttclid,
    ttp: o.ttp,
    visits: {
      first: o.first_visit_at ? { occurredAt: o.first_visit_at } : null,
      last: hasVisit
        ? { landingPage: o.landing_url, referrerUrl: o.referrer_url, utmSource: o.utm_source, source: o.platform_source }
        : null,
    },
  };
}

export interface RowError {
  /** 0-based index in the request's `orders` array, or the CSV data row number (1 = first row after the header). */
  index: number;
  id?: string;
  reason: string;
}

// ── The common case without zod ────────────────────────────────────────────────────────────────
// genericOrderSchema costs ~28 µs and ~13 KB of garbage per row (unions, pipes, a payload object per
// step): more than hashing, and a quarter of a CSV import's CPU. Rows whose fields are all absent,
// null or plain valid strings (every good CSV row) are read by the few lines below, which apply the
// same rules and produce the same object; anything else (a bad value, an unusual type) returns
// SKIP and goes through the schema, which stays the authority on what is refused and why.
// test/unit/commerce/generic-fast.test.ts checks the two agree on thousands of tricky rows.
const SKIP = Symbol('not the simple case');
type Fast<T> = T | typeof SKIP;

function fastText(v: unknown): Fast<string | null> {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return SKIP;
  const t = v.trim();
  return t ? t : null;
}

function fastDate(v: unknown): Fast<Date> {
  return (typeof v === 'string' && parseIsoInstant(v)) || SKIP;
}

function fastOptionalDate(v: unknown): Fast<Date | null> {
  return v === undefined || v === null || v === '' ? null : fastDate(v);
}


function fastValue(v: unknown): Fast<number> {
  const n = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 1e11 ? n : SKIP;
}

function fastFlag(v: unknown): Fast<boolean> {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return SKIP;
  const s = v.trim().toLowerCase();
  return s === 'true' || s === '1' || s === 'yes' || s === 'y' ? true : s === 'false' || s === '0' || s === 'no' || s === 'n' ? false : SKIP;
}

const TEXT_FIELDS = ['name', 'channel', 'email', 'phone', 'external_id', 'ip', 'user_agent', 'ttclid', 'ttp', 'landing_url', 'referrer_url', 'utm_source', 'platform_source'] as const;

/** genericOrderSchema's output for a simple valid row, else SKIP. Exported for the agreement test. */
export function fastGenericOrder(row: unknown): Fast<GenericOrder> {
  if (typeof row !== 'object' || row === null) return SKIP;
  const proto = Object.getPrototypeOf(row);
  if (proto !== Object.prototype && proto !== null) return SKIP;
  const r = row as Record<string, unknown>;
  const id = typeof r.id === 'string' ? r.id.trim() : '';
  const currency = typeof r.currency === 'string' ? r.currency.trim().toUpperCase() : '';
  const processedAt = fastDate(r.processed_at);
  const value = fastValue(r.value);
  const test = fastFlag(r.test);
  const cancelledAt = fastOptionalDate(r.cancelled_at);
  const updatedAt = fastOptionalDate(r.updated_at);
  const firstVisitAt = fastOptionalDate(r.first_visit_at);
  if (!id || !isIso4217(currency) || processedAt === SKIP || value === SKIP || test === SKIP) return SKIP;
  if (cancelledAt === SKIP || updatedAt === SKIP || firstVisitAt === SKIP) return SKIP;
  const text: Partial<Record<(typeof TEXT_FIELDS)[number], string | null>> = {};
  for (const f of TEXT_FIELDS) {
    const t = fastText(r[f]);
    if (t === SKIP) return SKIP;
    text[f] = t;
  }
  // Keys in the schema's order, like zod's output.
  return {
    id,
    name: text.name!,
    processed_at: processedAt,
    value,
    currency,
    test,
    cancelled_at: cancelledAt,
    updated_at: updatedAt,
    channel: text.channel!,
    email: text.email!,
    phone: text.phone!,
    external_id: text.external_id!,
    ip: text.ip!,
    user_agent: text.user_agent!,
    ttclid: text.ttclid!,
    ttp: text.ttp!,
    landing_url: text.landing_url!,
    referrer_url: text.referrer_url!,
    utm_source: text.utm_source!,
    platform_source: text.platform_source!,
    first_visit_at: firstVisitAt,
  };
}

/** Validates one row: an OrderInput, or the reason it was refused (index = its position). */
export function parseGenericOrder(row: unknown, index: number): { ok: true; order: OrderInput } | { ok: false; error: RowError } {
  const fast = fastGenericOrder(row);
  if (fast !== SKIP) return { ok: true, order: genericToOrderInput(fast) };
  const parsed = genericOrderSchema.safeParse(row);
  if (parsed.success) return { ok: true, order: genericToOrderInput(parsed.data) };
  const id = typeof row === 'object' && row && 'id' in row ? String((row as { id: unknown }).id) : undefined;
  return {
    ok: false,
    error: {
      index,
      ...(id ? { id } : {}),
      reason: parsed.error.issues.map((iss) => (iss.message.includes(':') ? iss.message : `${iss.path.join('.') || 'row'}: ${iss.message}`)).join('; '),
    },
  };
}

/** Validates rows; returns the good ones as OrderInputs and a reason for each bad one. */
export function parseGenericOrders(rows: unknown[], indexBase = 0): { good: OrderInput[]; bad: RowError[] } {
  const good: OrderInput[] = [];
  const bad: RowError[] = [];
  rows.forEach((row, i) => {
    const r = parseGenericOrder(row, i + indexBase);
    if (r.ok) good.push(r.order);
    else bad.push(r.error);
  });
  return { good, bad };
}
