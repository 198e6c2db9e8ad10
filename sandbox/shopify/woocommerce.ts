import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A fake WooCommerce REST API (`GET /wp-json/wc/v3/orders`) over real HTTP: Basic auth with a
 * consumer key/secret, after/before (creation, exclusive), modified_after, dates_are_gmt, status,
 * per_page ≤ 100, page, orderby/order, X-WP-Total / X-WP-TotalPages / Link, injected 503s.
 */

const instant = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => new Date(v));

export const fakeWooOrderSeedSchema = z.object({
  id: z.number().int().positive().optional(),
  status: z.string().default('processing'),
  total: z.union([z.number(), z.string()]),
  currency: z.string().length(3).default('USD'),
  createdAt: instant,
  paidAt: instant.nullish(),
  modifiedAt: instant.optional(),
  createdVia: z.string().default('checkout'),
  customerId: z.number().int().nonnegative().default(0),
  email: z.string().default(''),
  phone: z.string().default(''),
  ip: z.string().default(''),
  userAgent: z.string().default(''),
  /** `_wc_order_attribution_*` meta, keyed without the prefix (source_type, utm_source, referrer, session_entry, user_agent…). */
  attribution: z.record(z.string(), z.string()).default({}),
});

export type FakeWooOrderSeed = z.input<typeof fakeWooOrderSeedSchema>;
type FakeWooOrder = z.infer<typeof fakeWooOrderSeedSchema> & { id: number; modifiedAt: Date };

export interface FakeWooCommerce {
  url: string;
  consumerKey: string;
  consumerSecret: string;
  controls: {
    addOrders(seeds: FakeWooOrderSeed[]): number[];
    updateOrder(id: number, patch: Partial<FakeWooOrderSeed>): void;
    failNext(count: number): void;
    requests(): { path: string; query: Record<string, string> }[];
  };
  close(): Promise<void>;
}

export interface StartFakeWooCommerceOptions {
  port?: number;
  host?: string;
  clock?: () => Date;
  consumerKey?: string;
  consumerSecret?: string;
}

export async function startFakeWooCommerce(options: StartFakeWooCommerceOptions = {}): Promise<FakeWooCommerce> {
  const clock = options.clock ?? (() => new Date());
  const consumerKey = options.consumerKey ?? 'ck_sandbox';
  const consumerSecret = options.consumerSecret ?? 'cs_sandbox';
  const orders = new Map<number, FakeWooOrder>();
  const log: { path: string; query: Record<string, string> }[] = [];
  let failures = 0;
  let nextId = 1001;

  const controls: FakeWooCommerce['controls'] = {
    addOrders(seeds) {
      return seeds.map((seed) => {
        const parsed = fakeWooOrderSeedSchema.parse(seed);
        const id = parsed.id ?? nextId++;
        orders.set(id, { ...parsed, id, modifiedAt: parsed.modifiedAt ?? parsed.paidAt ?? parsed.createdAt });
        return id;
      });
    },
    updateOrder(id, patch) {
      const existing = orders.get(id);
      if (!existing) throw new Error(`no order ${id}`);
      const parsed = fakeWooOrderSeedSchema.partial().parse(patch);
      // Only the keys the caller gave: the seed schema's defaults must not reset other fields.
      const defined = Object.fromEntries(Object.entries(parsed).filter(([key, v]) => key in patch && v !== undefined));
      orders.set(id, { ...existing, ...defined, modifiedAt: parsed.modifiedAt ?? clock() });
    },
    failNext(count) {
      failures += count;
    },
    requests: () => [...log],
  };

  function handle(req: IncomingMessage, res: ServerResponse, base: string): void {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname !== '/wp-json/wc/v3/orders') {
      return sendJson(res, 404, { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } });
    }
    log.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (failures > 0) {
      failures -= 1;
      res.writeHead(503, { 'Content-Type': 'text/html' }).end('<h1>Service Unavailable</h1>');
      return;
    }
    const [user, password] = basicCredentials(req.headers.authorization);
    if (user !== consumerKey || password !== consumerSecret) {
      return sendJson(res, 401, { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } });
    }

    const params = url.searchParams;
    const perPage = Number(params.get('per_page') ?? 10);
    const page = Number(params.get('page') ?? 1);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100 || !Number.isInteger(page) || page < 1) {
      return sendJson(res, 400, { code: 'rest_invalid_param', message: 'Invalid parameter(s): per_page, page', data: { status: 400 } });
    }
    // The fake site's timezone is UTC, so dates_are_gmt only changes how values are read, not their meaning.
    const bound = (name: string) => (params.has(name) ? Date.parse(`${params.get(name)!.replace(/Z$/, '')}Z`) : null);
    const after = bound('after');
    const before = bound('before');
    const modifiedAfter = bound('modified_after');
    const statuses = (params.get('status') ?? 'any').split(',');
    const orderBy = params.get('orderby') ?? 'date';
    const direction = (params.get('order') ?? 'desc') === 'asc' ? 1 : -1;

    const matching = [...orders.values()]
      .filter((o) => statuses.includes('any') ? o.status !== 'trash' : statuses.includes(o.status))
      .filter((o) => after === null || o.createdAt.getTime() > after)
      .filter((o) => before === null || o.createdAt.getTime() < before)
      .filter((o) => modifiedAfter === null || o.modifiedAt.getTime() > modifiedAfter)
      .sort((a, b) => direction * (orderBy === 'id' ? a.id - b.id : a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id));
    const totalPages = Math.ceil(matching.length / perPage);
    const slice = matching.slice((page - 1) * perPage, page * perPage);

    const links: string[] = [];
    if (page < totalPages) {
      const next = new URL(url);
      next.searchParams.set('page', String(page + 1));
      links.push(`<${next}>; rel="next"`);
    }
    res.setHeader('X-WP-Total', String(matching.length));
    res.setHeader('X-WP-TotalPages', String(totalPages));
    if (links.length > 0) res.setHeader('Link', links.join(', '));
    sendJson(res, 200, slice.map(restOrder));
  }

  const server = createServer((req, res) => handle(req, res, base));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const base = `http://${address.address}:${address.port}`;
  return {
    url: base,
    consumerKey,
    consumerSecret,
    controls,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** The wc/v3 order shape (the fields Signalwatch reads, plus a few for realism). */
function restOrder(order: FakeWooOrder) {
  const gmt = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 19) : null);
  return {
    id: order.id,
    parent_id: 0,
    number: String(order.id),
    order_key: `wc_order_${order.id.toString(36)}`,
    created_via: order.createdVia,
    status: order.status,
    currency: order.currency,
    date_created: gmt(order.createdAt),
    date_created_gmt: gmt(order.createdAt),
    date_modified: gmt(order.modifiedAt),
    date_modified_gmt: gmt(order.modifiedAt),
    date_paid: gmt(order.paidAt),
    date_paid_gmt: gmt(order.paidAt),
    total: typeof order.total === 'number' ? order.total.toFixed(2) : order.total,
    customer_id: order.customerId,
    customer_ip_address: order.ip,
    customer_user_agent: order.userAgent,
    billing: { first_name: '', last_name: '', email: order.email, phone: order.phone },
    payment_method: 'stripe',
    meta_data: Object.entries(order.attribution).map(([key, value], index) => ({
      id: order.id * 100 + index,
      key: `_wc_order_attribution_${key}`,
      value,
    })),
  };
}

function basicCredentials(header: string | undefined): [string | null, string | null] {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match?.[1]) return [null, null];
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? [null, null] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
}
