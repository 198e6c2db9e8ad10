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

const date = (what: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const d = typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v) : new Date(v.trim());
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: 'custom', message: `${what}: "${v}" is not a date (use ISO 8601, e.g. 2026-11-02T14:05:00Z)` });
      return z.NEVER;
    }
    return d;
  });

const optionalDate = (what: string) =>
  z
    .union([z.literal(''), z.null(), date(what)])
    .optional()
    .transform((v) => (v instanceof Date ? v : null));

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
  value: z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'value: not a number').transform(Number)]).pipe(
    z.number().finite().nonnegative('value: must not be negative').max(1e11, 'value: too large'),
  ),
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

/** Validates rows; returns the good ones as OrderInputs and a reason for each bad one. */
export function parseGenericOrders(rows: unknown[], indexBase = 0): { good: OrderInput[]; bad: RowError[] } {
  const good: OrderInput[] = [];
  const bad: RowError[] = [];
  rows.forEach((row, i) => {
    const parsed = genericOrderSchema.safeParse(row);
    if (parsed.success) good.push(genericToOrderInput(parsed.data));
    else {
      const id = typeof row === 'object' && row && 'id' in row ? String((row as { id: unknown }).id) : undefined;
      bad.push({
        index: i + indexBase,
        ...(id ? { id } : {}),
        reason: parsed.error.issues.map((iss) => (iss.message.includes(':') ? iss.message : `${iss.path.join('.') || 'row'}: ${iss.message}`)).join('; '),
      });
    }
  });
  return { good, bad };
}
