import { z } from 'zod';
import { ttclidFromLandingPage } from '@/lib/commerce/attribution';
import type { OrderInput, Visit } from '@/lib/commerce/types';

/** A wc/v3 order → OrderInput, with WooCommerce's order attribution meta (WooCommerce ≥ 8.5). */

// "2017-03-22T16:28:02": the *_gmt fields are UTC without an offset.
const gmtDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/, 'expected a GMT date like 2024-01-31T12:00:00')
  .transform((s) => new Date(s.endsWith('Z') ? s : `${s}Z`));
const text = z.string().nullish();

const wooOrderSchema = z.object({
  id: z.number().int().positive(),
  number: z.union([z.string(), z.number()]).transform(String).nullish(),
  status: z.string(),
  currency: z.string().min(3),
  date_created_gmt: gmtDate,
  date_modified_gmt: gmtDate.nullish(),
  date_paid_gmt: gmtDate.nullish(),
  total: z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string').transform(Number),
  customer_id: z.number().int().nullish(),
  customer_ip_address: text,
  customer_user_agent: text,
  billing: z.object({ email: text, phone: text }).nullish(),
  created_via: text,
  meta_data: z.array(z.object({ key: z.string(), value: z.unknown() })).nullish(),
});

type WooOrder = z.infer<typeof wooOrderSchema>;

/**
 * Statuses that never were a purchase: the shopper did not reach the thank-you page, so neither
 * leg should have fired. `checkout-draft` is the block checkout's cart-in-progress.
 */
const NOT_A_PURCHASE = new Set(['pending', 'failed', 'checkout-draft', 'draft', 'trash', 'auto-draft']);

export type WooOrderMapping =
  | { kind: 'order'; order: OrderInput }
  | { kind: 'skipped'; id: string; status: string; reason: string }
  /** `createdDay`: the UTC day of date_created_gmt (what day windows filter on) when that much is readable. */
  | { kind: 'invalid'; id: string | null; createdDay: string | null; issue: string };

export function mapWooOrder(json: unknown): WooOrderMapping {
  const parsed = wooOrderSchema.safeParse(json);
  if (!parsed.success) {
    const id = typeof json === 'object' && json !== null && 'id' in json ? String(json.id) : null;
    const created = gmtDate.safeParse(typeof json === 'object' && json !== null && 'date_created_gmt' in json ? json.date_created_gmt : null);
    const createdDay = created.success && !Number.isNaN(created.data.getTime()) ? created.data.toISOString().slice(0, 10) : null;
    return { kind: 'invalid', id, createdDay, issue: z.prettifyError(parsed.error).replace(/\s+/g, ' ') };
  }
  const order = parsed.data;
  const status = order.status.toLowerCase();
  if (NOT_A_PURCHASE.has(status)) {
    return { kind: 'skipped', id: String(order.id), status, reason: 'not a purchase' };
  }
  // Unpaid orders that Woo cancels when the stock hold runs out were abandoned at the gateway.
  if (status === 'cancelled' && !order.date_paid_gmt) {
    return { kind: 'skipped', id: String(order.id), status, reason: 'cancelled before payment' };
  }
  return { kind: 'order', order: toOrderInput(order, status) };
}

function toOrderInput(order: WooOrder, status: string): OrderInput {
  const meta = attributionMeta(order.meta_data ?? []);
  const visit = attributionVisit(meta);
  const landingTtclid = ttclidFromLandingPage(visit?.landingPage);
  return {
    platformId: String(order.id),
    name: order.number ?? String(order.id),
    processedAt: order.date_paid_gmt ?? order.date_created_gmt,
    createdAt: order.date_created_gmt,
    updatedAt: order.date_modified_gmt ?? null,
    value: order.total,
    currency: order.currency,
    // WooCommerce has no test flag: sandbox gateways produce ordinary orders.
    test: false,
    // Woo keeps no cancellation time; the last modification is the closest record of it.
    cancelledAt: status === 'cancelled' ? (order.date_modified_gmt ?? order.date_created_gmt) : null,
    channel: order.created_via || null,
    email: order.billing?.email || null,
    phone: order.billing?.phone || null,
    // customer_id 0 is a guest checkout.
    externalId: order.customer_id ? String(order.customer_id) : null,
    ip: order.customer_ip_address || null,
    userAgent: order.customer_user_agent || meta.user_agent || null,
    ttclid: landingTtclid,
    ttp: null,
    visits: { first: null, last: visit },
    daysToConversion: null,
  };
}

const ATTRIBUTION_PREFIX = '_wc_order_attribution_';

function attributionMeta(meta: { key: string; value: unknown }[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const { key, value } of meta) {
    if (!key.startsWith(ATTRIBUTION_PREFIX) || typeof value !== 'string' || !value.trim()) continue;
    values[key.slice(ATTRIBUTION_PREFIX.length)] = value.trim();
  }
  return values;
}

/**
 * Woo records the session that placed the order (sourcebuster's "current" touch), so it is the
 * last visit. Its utm_source is only a UTM value when source_type is `utm`; for referral and
 * organic visits Woo fills it with the referring host or search engine, which is the platform's
 * own classification of the source.
 */
function attributionVisit(meta: Record<string, string>): Visit | null {
  const sourceType = meta.source_type ?? null;
  const utmOrSource = meta.utm_source ?? null;
  // Without a source_type the key's own name is the best guess.
  const isUtm = sourceType === null || sourceType === 'utm';
  const visit: Visit = {
    landingPage: meta.session_entry ?? null,
    referrerUrl: meta.referrer ?? null,
    sourceType,
    utmSource: isUtm ? utmOrSource : null,
    source: isUtm ? null : utmOrSource,
  };
  return Object.values(visit).some((v) => v !== null) ? visit : null;
}
