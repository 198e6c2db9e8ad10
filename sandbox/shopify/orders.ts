import { z } from 'zod';

/** The fake shop's orders: a simple seed shape, and the GraphQL and REST shapes Shopify serves. */

const instant = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => new Date(v));

const visitSeedSchema = z.object({
  occurredAt: instant.nullish(),
  landingPage: z.string().nullish(),
  referrerUrl: z.string().nullish(),
  source: z.string().nullish(),
  sourceType: z.string().nullish(),
  utm: z
    .object({
      source: z.string().nullish(),
      medium: z.string().nullish(),
      campaign: z.string().nullish(),
      content: z.string().nullish(),
      term: z.string().nullish(),
    })
    .nullish(),
});

export const fakeOrderSeedSchema = z.object({
  /** The REST id (legacyResourceId); assigned when absent. */
  id: z.number().int().positive().optional(),
  name: z.string().optional(),
  processedAt: instant,
  createdAt: instant.optional(),
  updatedAt: instant.optional(),
  cancelledAt: instant.nullish(),
  total: z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)]),
  currency: z.string().length(3).default('USD'),
  test: z.boolean().default(false),
  sourceName: z.string().default('web'),
  financialStatus: z.string().default('PAID'),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  clientIp: z.string().nullish(),
  /** Only REST (webhook) payloads carry it, as on the real Shopify. */
  userAgent: z.string().nullish(),
  customerId: z.number().int().positive().nullish(),
  customAttributes: z.record(z.string(), z.string()).default({}),
  firstVisit: visitSeedSchema.nullish(),
  lastVisit: visitSeedSchema.nullish(),
  daysToConversion: z.number().int().nonnegative().nullish(),
  /** Serve the GraphQL node with an amount no client can read (tests of orders that fail to parse). */
  unreadable: z.boolean().default(false),
});

export type FakeOrderSeed = z.input<typeof fakeOrderSeedSchema>;
export type FakeVisit = z.infer<typeof visitSeedSchema>;

export interface FakeOrder extends Omit<z.infer<typeof fakeOrderSeedSchema>, 'id' | 'name' | 'createdAt' | 'updatedAt' | 'total'> {
  id: number;
  name: string;
  createdAt: Date;
  updatedAt: Date;
  /** Decimal string, as Shopify's MoneyV2.amount. */
  total: string;
  /** For REST payloads. */
  checkoutToken: string;
}

export const fakeOrderPatchSchema = fakeOrderSeedSchema.omit({ id: true }).partial();
export type FakeOrderPatch = z.input<typeof fakeOrderPatchSchema>;

export function buildFakeOrder(seed: FakeOrderSeed, id: number, now: Date): FakeOrder {
  const parsed = fakeOrderSeedSchema.parse(seed);
  const createdAt = parsed.createdAt ?? parsed.processedAt;
  return {
    ...parsed,
    id,
    name: parsed.name ?? `#${1000 + (id % 100_000)}`,
    createdAt,
    updatedAt: parsed.updatedAt ?? (createdAt > now ? createdAt : now),
    total: formatAmount(parsed.total),
    checkoutToken: `ct_${id.toString(36)}`,
  };
}

export function applyPatch(order: FakeOrder, patch: FakeOrderPatch, now: Date): FakeOrder {
  const parsed = fakeOrderPatchSchema.parse(patch);
  // Only the keys the caller gave: the seed schema's defaults must not reset other fields.
  const defined = Object.fromEntries(Object.entries(parsed).filter(([key, v]) => key in patch && v !== undefined));
  return {
    ...order,
    ...defined,
    total: parsed.total === undefined ? order.total : formatAmount(parsed.total),
    updatedAt: parsed.updatedAt ?? now,
  } as FakeOrder;
}

function formatAmount(total: number | string): string {
  return typeof total === 'string' ? total : total.toFixed(2);
}

const gid = (type: string, id: number) => `gid://shopify/${type}/${id}`;

/** Shopify prints DateTime with whole seconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const PROTECTED_ORDER_FIELDS = ['email', 'phone'] as const;
export const PROTECTED_JOURNEY_FIELDS = ['firstVisit', 'lastVisit'] as const;

/** The node of the Admin GraphQL `orders` connection, as the reference's query selects it. */
export function graphqlNode(order: FakeOrder, options: { journeyReady: boolean; protectedData: boolean }) {
  const visit = (v: FakeVisit | null | undefined) =>
    v && !options.protectedData
      ? {
          occurredAt: v.occurredAt ? isoSeconds(v.occurredAt) : null,
          landingPage: v.landingPage ?? null,
          referrerUrl: v.referrerUrl ?? null,
          source: v.source ?? 'direct',
          sourceType: v.sourceType ?? null,
          utmParameters: v.utm
            ? {
                source: v.utm.source ?? null,
                medium: v.utm.medium ?? null,
                campaign: v.utm.campaign ?? null,
                content: v.utm.content ?? null,
                term: v.utm.term ?? null,
              }
            : null,
        }
      : null;
  return {
    id: gid('Order', order.id),
    legacyResourceId: String(order.id),
    name: order.name,
    processedAt: isoSeconds(order.processedAt),
    createdAt: isoSeconds(order.createdAt),
    updatedAt: isoSeconds(order.updatedAt),
    cancelledAt: order.cancelledAt ? isoSeconds(order.cancelledAt) : null,
    test: order.test,
    displayFinancialStatus: order.financialStatus,
    sourceName: order.sourceName,
    totalPriceSet: { shopMoney: { amount: order.unreadable ? 'not-an-amount' : order.total, currencyCode: order.currency } },
    email: options.protectedData ? null : (order.email ?? null),
    phone: options.protectedData ? null : (order.phone ?? null),
    clientIp: order.clientIp ?? null,
    customer: order.customerId ? { id: gid('Customer', order.customerId) } : null,
    customAttributes: Object.entries(order.customAttributes).map(([key, value]) => ({ key, value })),
    customerJourneySummary: options.journeyReady
      ? {
          ready: true,
          daysToConversion: order.daysToConversion ?? null,
          firstVisit: visit(order.firstVisit),
          lastVisit: visit(order.lastVisit),
        }
      : { ready: false, daysToConversion: null, firstVisit: null, lastVisit: null },
  };
}

/** The REST Admin order as webhooks deliver it (orders/create, paid, updated, cancelled). */
export function restPayloadFor(order: FakeOrder) {
  const landing = order.lastVisit?.landingPage ?? null;
  return {
    id: order.id,
    admin_graphql_api_id: gid('Order', order.id),
    name: order.name,
    order_number: Number(order.name.replace(/\D/g, '')) || order.id,
    email: order.email ?? null,
    contact_email: order.email ?? null,
    phone: order.phone ?? null,
    created_at: isoSeconds(order.createdAt),
    processed_at: isoSeconds(order.processedAt),
    updated_at: isoSeconds(order.updatedAt),
    cancelled_at: order.cancelledAt ? isoSeconds(order.cancelledAt) : null,
    test: order.test,
    total_price: order.total,
    currency: order.currency,
    presentment_currency: order.currency,
    financial_status: order.financialStatus.toLowerCase(),
    source_name: order.sourceName,
    // REST keeps the landing page as a path with its query string.
    landing_site: landing ? toPathWithQuery(landing) : null,
    referring_site: order.lastVisit?.referrerUrl ?? null,
    browser_ip: order.clientIp ?? null,
    client_details: {
      browser_ip: order.clientIp ?? null,
      user_agent: order.userAgent ?? null,
      accept_language: 'en-US,en;q=0.9',
      browser_height: null,
      browser_width: null,
      session_hash: null,
    },
    customer: order.customerId ? { id: order.customerId, email: order.email ?? null, phone: order.phone ?? null } : null,
    note_attributes: Object.entries(order.customAttributes).map(([name, value]) => ({ name, value })),
    checkout_token: order.checkoutToken,
    cart_token: `cart_${order.checkoutToken}`,
  };
}

/** The admin's "Send test notification" body: order #9999, test, with the nulls Shopify sends. */
export function testNotificationPayload() {
  return {
    id: 820982911946154508,
    admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
    name: '#9999',
    email: 'jon@example.com',
    created_at: '2021-12-31T19:00:00-05:00',
    processed_at: null,
    updated_at: '2021-12-31T19:00:00-05:00',
    cancelled_at: null,
    test: true,
    total_price: '403.00',
    currency: 'USD',
    source_name: 'web',
    landing_site: null,
    referring_site: null,
    browser_ip: null,
    client_details: null,
    customer: { id: 115310627314723950, email: 'john@example.com' },
    note_attributes: [],
  };
}

function toPathWithQuery(landing: string): string {
  try {
    const url = new URL(landing);
    return `${url.pathname}${url.search}`;
  } catch {
    return landing;
  }
}
