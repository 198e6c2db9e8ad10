import { z } from 'zod';
import { ttclidFromLandingPage } from '@/lib/commerce/attribution';
import type { OrderInput, Visit } from '@/lib/commerce/types';

/** The Admin GraphQL orders query (reference: "orders in a window") and its mapping to OrderInput. */

export type OrderSortKey = 'PROCESSED_AT' | 'UPDATED_AT';

export const ORDERS_QUERY = /* GraphQL */ `
  query Orders($first: Int!, $after: String, $q: String!, $sortKey: OrderSortKeys!) {
    orders(first: $first, after: $after, query: $q, sortKey: $sortKey) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id legacyResourceId name processedAt createdAt updatedAt cancelledAt test
        displayFinancialStatus sourceName
        totalPriceSet { shopMoney { amount currencyCode } }
        email phone clientIp
        customer { id }
        customAttributes { key value }
        customerJourneySummary {
          ready daysToConversion
          firstVisit { occurredAt landingPage referrerUrl source sourceType
                       utmParameters { source medium campaign content term } }
          lastVisit  { occurredAt landingPage referrerUrl source sourceType
                       utmParameters { source medium campaign content term } }
        }
      }
    }
  }
`;

const dateTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const decimalAmount = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string')
  .transform(Number);
const text = z.string().nullish();

const visitSchema = z
  .object({
    occurredAt: dateTime.nullish(),
    landingPage: text,
    referrerUrl: text,
    source: text,
    sourceType: text,
    utmParameters: z.object({ source: text }).nullish(),
  })
  .nullish();

const orderNodeSchema = z.object({
  id: z.string(),
  legacyResourceId: z.string().regex(/^\d+$/),
  name: text,
  processedAt: dateTime,
  createdAt: dateTime.nullish(),
  updatedAt: dateTime.nullish(),
  cancelledAt: dateTime.nullish(),
  test: z.boolean(),
  sourceName: text,
  totalPriceSet: z.object({ shopMoney: z.object({ amount: decimalAmount, currencyCode: z.string().min(3) }) }),
  // Protected customer data: null when the app is not approved to read it.
  email: text,
  phone: text,
  clientIp: text,
  customer: z.object({ id: z.string() }).nullish(),
  customAttributes: z.array(z.object({ key: z.string(), value: text })).nullish(),
  customerJourneySummary: z
    .object({
      ready: z.boolean().nullish(),
      daysToConversion: z.number().int().nullish(),
      firstVisit: visitSchema,
      lastVisit: visitSchema,
    })
    .nullish(),
});

export const ordersPageSchema = z.object({
  orders: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    nodes: z.array(z.unknown()),
  }),
});

export type ParsedOrderNode =
  | { ok: true; order: OrderInput }
  /** `processedDay`: the UTC day of its processedAt when that much is readable, so the day can be read again. */
  | { ok: false; id: string | null; processedDay: string | null; issue: string };

/**
 * Validates one node on its own so a single odd order is reported, not a whole page lost.
 * `journeyWithheld`: the response's errors say this node's visits were refused (protected customer data).
 */
export function parseOrderNode(node: unknown, journeyWithheld = false): ParsedOrderNode {
  const parsed = orderNodeSchema.safeParse(node);
  if (!parsed.success) {
    const id = typeof node === 'object' && node !== null && 'id' in node ? String(node.id) : null;
    const processedAt = dateTime.safeParse(typeof node === 'object' && node !== null && 'processedAt' in node ? node.processedAt : null);
    const processedDay = processedAt.success ? processedAt.data.toISOString().slice(0, 10) : null;
    return { ok: false, id, processedDay, issue: z.prettifyError(parsed.error).replace(/\s+/g, ' ') };
  }
  return { ok: true, order: mapOrderNode(parsed.data, journeyWithheld) };
}

function mapOrderNode(node: z.infer<typeof orderNodeSchema>, journeyWithheld: boolean): OrderInput {
  const journey = node.customerJourneySummary;
  const visits: OrderInput['visits'] =
    journey?.ready === false
      ? 'pending'
      : journeyWithheld && !journey?.firstVisit && !journey?.lastVisit
        ? 'withheld'
        : { first: mapVisit(journey?.firstVisit), last: mapVisit(journey?.lastVisit) };
  const attributes = clickIdsFromAttributes((node.customAttributes ?? []).map((a) => [a.key, a.value]));
  return {
    platformId: node.legacyResourceId,
    name: node.name ?? null,
    processedAt: node.processedAt,
    createdAt: node.createdAt ?? null,
    updatedAt: node.updatedAt ?? null,
    value: node.totalPriceSet.shopMoney.amount,
    currency: node.totalPriceSet.shopMoney.currencyCode,
    test: node.test,
    cancelledAt: node.cancelledAt ?? null,
    channel: node.sourceName ?? null,
    email: node.email ?? null,
    phone: node.phone ?? null,
    // The numeric id, as REST webhooks carry it, so both paths give the same external_id.
    externalId: node.customer ? legacyIdFromGid(node.customer.id) : null,
    ip: node.clientIp ?? null,
    // The GraphQL Order has no user agent; only webhooks (REST) carry one.
    userAgent: null,
    ttclid: attributes.ttclid ?? ttclidFromVisits(visits),
    ttp: attributes.ttp ?? null,
    visits,
    daysToConversion: typeof visits === 'string' ? null : (journey?.daysToConversion ?? null),
  };
}

function mapVisit(visit: z.infer<typeof visitSchema>): Visit | null {
  if (!visit) return null;
  return {
    occurredAt: visit.occurredAt ?? null,
    landingPage: visit.landingPage ?? null,
    referrerUrl: visit.referrerUrl ?? null,
    source: visit.source ?? null,
    sourceType: visit.sourceType ?? null,
    utmSource: visit.utmParameters?.source ?? null,
  };
}

/** "gid://shopify/Customer/123" → "123"; anything else is kept as given. */
export function legacyIdFromGid(gid: string): string {
  return /\/(\d+)$/.exec(gid)?.[1] ?? gid;
}

/**
 * Checkout attributes (GraphQL customAttributes, REST note_attributes) where tracking apps and
 * theme snippets store the click id and the _ttp cookie for the server leg.
 */
export function clickIdsFromAttributes(pairs: [string, string | null | undefined][]): {
  ttclid?: string;
  ttp?: string;
} {
  const result: { ttclid?: string; ttp?: string } = {};
  for (const [key, value] of pairs) {
    const name = key.trim().toLowerCase();
    const trimmed = value?.trim();
    if (!trimmed) continue;
    if (name === 'ttclid' || name === '_ttclid') result.ttclid ??= trimmed;
    if (name === '_ttp' || name === 'ttp') result.ttp ??= trimmed;
  }
  return result;
}

export function ttclidFromVisits(visits: OrderInput['visits']): string | null {
  if (typeof visits === 'string') return null;
  return ttclidFromLandingPage(visits.last?.landingPage) ?? ttclidFromLandingPage(visits.first?.landingPage);
}
