import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import {
  applyPatch,
  buildFakeOrder,
  fakeOrderPatchSchema,
  fakeOrderSeedSchema,
  graphqlNode,
  PROTECTED_JOURNEY_FIELDS,
  PROTECTED_ORDER_FIELDS,
  restPayloadFor,
  type FakeOrder,
  type FakeOrderPatch,
  type FakeOrderSeed,
} from '@/sandbox/shopify/orders';
import { parseSearchQuery, UnsupportedSearchError } from '@/sandbox/shopify/search';
import { sendWebhooks, webhookRequestSchema } from '@/sandbox/shopify/webhooks';

/**
 * A fake Shopify Admin GraphQL API over real HTTP: `POST /admin/api/{version}/graphql.json`
 * answering the `orders` query with Shopify's search grammar, cursors, query cost and leaky
 * bucket, protected-data partial responses, customer journeys that are not ready yet, the 60-day
 * visibility limit and injected failures. Controls are also served under /__sandbox/ so another
 * process (the demo, `signalwatch sandbox shopify`) can seed it.
 */

export interface FakeShopifyMode {
  accessToken: string;
  /** Bucket size: 1,000 (standard) or 2,000 (Advanced), or anything for tests. */
  bucketMax: number;
  /** Points restored per second. */
  restoreRate: number;
  /** Points each requested order costs (the nested journey makes it ~9). */
  costPerOrder: number;
  /** Report throttling as a 200 with THROTTLED (usual) or as HTTP 429 with Retry-After. */
  throttleAs: 'graphql' | 'http429';
  /** The app is not approved for protected customer data: those fields are null, with errors. */
  protectedData: boolean;
  /** Journeys of orders younger than this many minutes are `ready: false`. */
  journeyDelayMinutes: number;
  /** With read_all_orders, orders older than 60 days stay visible. */
  readAllOrders: boolean;
}

export interface FakeShopifyStats {
  requests: number;
  served: number;
  throttled: number;
  injectedFailures: number;
  rejectedTokens: number;
}

export type InjectedFailure = 'http503' | 'connection_reset';

export interface FakeShopifyControls {
  addOrders(seeds: FakeOrderSeed[]): FakeOrder[];
  updateOrder(id: number, patch: FakeOrderPatch): FakeOrder;
  orders(): FakeOrder[];
  setMode(mode: Partial<FakeShopifyMode>): FakeShopifyMode;
  /** The next `count` GraphQL requests fail this way. */
  failNext(count: number, failure?: InjectedFailure): void;
  /** Empties the bucket, as if another app had just spent it. */
  drainBucket(): void;
  restPayloadFor(id: number): ReturnType<typeof restPayloadFor>;
  stats(): FakeShopifyStats;
}

export interface FakeShopify {
  url: string;
  shopDomain: string;
  controls: FakeShopifyControls;
  close(): Promise<void>;
}

export interface StartFakeShopifyOptions {
  port?: number;
  host?: string;
  /** The shop's business clock (order ages, the 60-day limit). The bucket always runs on real time. */
  clock?: () => Date;
  mode?: Partial<FakeShopifyMode>;
}

export const DEFAULT_MODE: FakeShopifyMode = {
  accessToken: 'shpat_sandbox',
  bucketMax: 1000,
  restoreRate: 50,
  costPerOrder: 9,
  throttleAs: 'graphql',
  protectedData: false,
  journeyDelayMinutes: 0,
  readAllOrders: false,
};

const SINGLE_QUERY_COST_CAP = 1000;
const BASE_QUERY_COST = 2;
const VISIBLE_DAYS = 60;
const SORT_KEYS = { PROCESSED_AT: 'processedAt', UPDATED_AT: 'updatedAt', CREATED_AT: 'createdAt', ID: 'id' } as const;
const RATE_LIMIT_DOCS = 'https://shopify.dev/api/usage/rate-limits';

const graphqlBodySchema = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
});

const ordersArgsSchema = z.object({
  first: z.number().int().min(0).max(250),
  after: z.string().nullish(),
  query: z.string().nullish(),
  sortKey: z.enum(Object.keys(SORT_KEYS) as [keyof typeof SORT_KEYS]).default('ID'),
  reverse: z.boolean().default(false),
});

const cursorSchema = z.object({ last_id: z.number(), last_value: z.union([z.string(), z.number()]) });

class GraphqlFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startFakeShopify(options: StartFakeShopifyOptions = {}): Promise<FakeShopify> {
  const clock = options.clock ?? (() => new Date());
  let mode: FakeShopifyMode = { ...DEFAULT_MODE, ...options.mode };
  const orders = new Map<number, FakeOrder>();
  let nextId = 5_000_000_001;
  const stats: FakeShopifyStats = { requests: 0, served: 0, throttled: 0, injectedFailures: 0, rejectedTokens: 0 };
  const pendingFailures: InjectedFailure[] = [];
  const bucket = { available: mode.bucketMax, at: performance.now() };
  const sockets = new Set<Socket>();

  function refillBucket(): number {
    const now = performance.now();
    bucket.available = Math.min(mode.bucketMax, bucket.available + ((now - bucket.at) / 1000) * mode.restoreRate);
    bucket.at = now;
    return bucket.available;
  }

  function throttleStatus() {
    return {
      maximumAvailable: mode.bucketMax,
      currentlyAvailable: Math.floor(bucket.available),
      restoreRate: mode.restoreRate,
    };
  }

  const controls: FakeShopifyControls = {
    addOrders(seeds) {
      return seeds.map((seed) => {
        const id = seed.id ?? nextId++;
        if (orders.has(id)) throw new Error(`order ${id} already exists`);
        const order = buildFakeOrder(seed, id, clock());
        orders.set(id, order);
        return order;
      });
    },
    updateOrder(id, patch) {
      const existing = orders.get(id);
      if (!existing) throw new Error(`no order ${id}`);
      const updated = applyPatch(existing, patch, clock());
      orders.set(id, updated);
      return updated;
    },
    orders: () => [...orders.values()],
    setMode(partial) {
      mode = { ...mode, ...partial };
      refillBucket();
      return mode;
    },
    failNext(count, failure = 'http503') {
      for (let i = 0; i < count; i++) pendingFailures.push(failure);
    },
    drainBucket() {
      refillBucket();
      bucket.available = 0;
    },
    restPayloadFor(id) {
      const order = orders.get(id);
      if (!order) throw new Error(`no order ${id}`);
      return restPayloadFor(order);
    },
    stats: () => ({ ...stats }),
  };

  function isVisible(order: FakeOrder): boolean {
    if (mode.readAllOrders) return true;
    return order.createdAt.getTime() >= clock().getTime() - VISIBLE_DAYS * 86_400_000;
  }

  function journeyReady(order: FakeOrder): boolean {
    return clock().getTime() - order.createdAt.getTime() >= mode.journeyDelayMinutes * 60_000;
  }

  /** Runs the `orders` field of a query; returns the response body (status 200 unless throttled). */
  function answerOrdersQuery(body: z.infer<typeof graphqlBodySchema>): { status: number; body: unknown; retryAfter?: string } {
    let args: z.infer<typeof ordersArgsSchema>;
    try {
      const parsed = ordersArgsSchema.safeParse(readOrdersArguments(body.query, body.variables ?? {}));
      if (!parsed.success) throw new GraphqlFailure(`Invalid orders arguments: ${parsed.error.issues[0]?.message}`, 'BAD_REQUEST');
      args = parsed.data;
    } catch (err) {
      if (err instanceof GraphqlFailure) return { status: 200, body: errorBody(err) };
      throw err;
    }

    const requestedQueryCost = BASE_QUERY_COST + args.first * mode.costPerOrder;
    if (requestedQueryCost > SINGLE_QUERY_COST_CAP) {
      return {
        status: 200,
        body: errorBody(
          new GraphqlFailure(
            `Query cost is ${requestedQueryCost}, which exceeds the single query max cost limit (${SINGLE_QUERY_COST_CAP}).`,
            'MAX_COST_EXCEEDED',
            { cost: requestedQueryCost, maxCost: SINGLE_QUERY_COST_CAP },
          ),
        ),
      };
    }
    refillBucket();
    if (requestedQueryCost > bucket.available) {
      stats.throttled += 1;
      const throttledBody = {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: RATE_LIMIT_DOCS } }],
        extensions: { cost: { requestedQueryCost, actualQueryCost: null, throttleStatus: throttleStatus() } },
      };
      if (mode.throttleAs === 'http429') {
        const seconds = (requestedQueryCost - bucket.available) / mode.restoreRate;
        return { status: 429, body: throttledBody, retryAfter: seconds.toFixed(3) };
      }
      return { status: 200, body: throttledBody };
    }

    let result: ReturnType<typeof runOrdersQuery>;
    try {
      result = runOrdersQuery(args);
    } catch (err) {
      if (err instanceof GraphqlFailure) return { status: 200, body: errorBody(err) };
      if (err instanceof UnsupportedSearchError) return { status: 200, body: errorBody(new GraphqlFailure(err.message, 'BAD_REQUEST')) };
      throw err;
    }
    const actualQueryCost = BASE_QUERY_COST + result.nodes.length * mode.costPerOrder;
    bucket.available -= actualQueryCost;
    stats.served += 1;
    return {
      status: 200,
      body: {
        data: { orders: { pageInfo: result.pageInfo, nodes: result.nodes } },
        ...(result.errors.length > 0 ? { errors: result.errors } : {}),
        extensions: {
          cost: { requestedQueryCost, actualQueryCost, throttleStatus: throttleStatus() },
          ...(result.searchWarnings.length > 0
            ? { search: [{ path: ['orders'], query: args.query ?? '', warnings: result.searchWarnings }] }
            : {}),
        },
      },
    };
  }

  function runOrdersQuery(args: z.infer<typeof ordersArgsSchema>) {
    const search = parseSearchQuery(args.query ?? '');
    const sortField = SORT_KEYS[args.sortKey];
    const sortValue = (o: FakeOrder) => (sortField === 'id' ? o.id : o[sortField].getTime());
    const direction = args.reverse ? -1 : 1;
    const byKey = (aValue: number, aId: number, bValue: number, bId: number) =>
      direction * (aValue - bValue || aId - bId);

    let matching = [...orders.values()]
      .filter((o) => isVisible(o) && search.filter(o))
      .sort((a, b) => byKey(sortValue(a), a.id, sortValue(b), b.id));
    if (args.after) {
      const cursor = decodeCursor(args.after);
      const lastValue = typeof cursor.last_value === 'number' ? cursor.last_value : Date.parse(cursor.last_value);
      matching = matching.filter((o) => byKey(sortValue(o), o.id, lastValue, cursor.last_id) > 0);
    }
    const page = matching.slice(0, args.first);
    const last = page.at(-1);
    const errors: unknown[] = [];
    const nodes = page.map((order, index) => {
      if (mode.protectedData) {
        for (const field of PROTECTED_ORDER_FIELDS) errors.push(accessDenied(field, ['orders', 'nodes', index, field]));
        for (const field of PROTECTED_JOURNEY_FIELDS) {
          errors.push(accessDenied(field, ['orders', 'nodes', index, 'customerJourneySummary', field]));
        }
      }
      return graphqlNode(order, { journeyReady: journeyReady(order), protectedData: mode.protectedData });
    });
    return {
      nodes,
      errors,
      searchWarnings: search.warnings,
      pageInfo: {
        hasNextPage: matching.length > page.length,
        hasPreviousPage: Boolean(args.after),
        startCursor: page[0] ? encodeCursor(page[0].id, sortValue(page[0]), sortField) : null,
        endCursor: last ? encodeCursor(last.id, sortValue(last), sortField) : null,
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, socket: Socket): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    if (url.pathname.startsWith('/__sandbox/')) return handleControl(req, res, url);

    const route = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.exec(url.pathname);
    if (!route) return sendJson(res, 404, { errors: 'Not Found' });
    if (req.method !== 'POST') return sendJson(res, 405, { errors: 'Method Not Allowed' });
    stats.requests += 1;

    const failure = pendingFailures.shift();
    if (failure === 'connection_reset') {
      stats.injectedFailures += 1;
      socket.destroy();
      return;
    }
    if (failure === 'http503') {
      stats.injectedFailures += 1;
      res.writeHead(503, { 'Content-Type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
      return;
    }
    if (req.headers['x-shopify-access-token'] !== mode.accessToken) {
      stats.rejectedTokens += 1;
      return sendJson(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    const body = graphqlBodySchema.safeParse(safeJson(await readBody(req)));
    if (!body.success) return sendJson(res, 400, { errors: { query: 'Required parameter missing or invalid' } });
    if (!/\borders\s*\(/.test(body.data.query)) {
      return sendJson(res, 200, errorBody(new GraphqlFailure('The fake Shopify answers only the orders query.', 'BAD_REQUEST')));
    }
    const answer = answerOrdersQuery(body.data);
    res.setHeader('X-Shopify-API-Version', route[1]!);
    if (answer.retryAfter) res.setHeader('Retry-After', answer.retryAfter);
    sendJson(res, answer.status, answer.body);
  }

  const modePatchSchema = z
    .object({
      accessToken: z.string().min(1),
      bucketMax: z.number().positive(),
      restoreRate: z.number().positive(),
      costPerOrder: z.number().positive(),
      throttleAs: z.enum(['graphql', 'http429']),
      protectedData: z.boolean(),
      journeyDelayMinutes: z.number().nonnegative(),
      readAllOrders: z.boolean(),
    })
    .partial();

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const json = req.method === 'GET' ? undefined : safeJson(await readBody(req));
    const orderRoute = /^\/__sandbox\/orders\/(\d+)$/.exec(url.pathname);
    try {
      if (url.pathname === '/__sandbox/orders' && req.method === 'GET') return sendJson(res, 200, controls.orders());
      if (url.pathname === '/__sandbox/orders' && req.method === 'POST') {
        const seeds = z.array(fakeOrderSeedSchema).safeParse(json);
        if (!seeds.success) return sendJson(res, 400, { error: z.prettifyError(seeds.error) });
        return sendJson(res, 201, controls.addOrders(seeds.data));
      }
      if (orderRoute && req.method === 'PATCH') {
        const patch = fakeOrderPatchSchema.safeParse(json);
        if (!patch.success) return sendJson(res, 400, { error: z.prettifyError(patch.error) });
        return sendJson(res, 200, controls.updateOrder(Number(orderRoute[1]), patch.data));
      }
      if (url.pathname === '/__sandbox/mode' && req.method === 'POST') {
        const patch = modePatchSchema.safeParse(json);
        if (!patch.success) return sendJson(res, 400, { error: z.prettifyError(patch.error) });
        return sendJson(res, 200, controls.setMode(patch.data));
      }
      if (url.pathname === '/__sandbox/webhooks' && req.method === 'POST') {
        const request = webhookRequestSchema.safeParse(json);
        if (!request.success) return sendJson(res, 400, { error: z.prettifyError(request.error) });
        const { orderDeliveries, ...rest } = request.data;
        const report = await sendWebhooks({
          ...rest,
          shopDomain: rest.shopDomain ?? shopDomain,
          deliveries: orderDeliveries.map((d) => ({ topic: d.topic, payload: controls.restPayloadFor(d.orderId) })),
        });
        return sendJson(res, 200, report);
      }
      sendJson(res, 404, { error: 'unknown sandbox control' });
    } catch (err) {
      sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res, req.socket).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errors: err instanceof Error ? err.message : String(err) });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const shopDomain = 'signalwatch-sandbox.myshopify.com';

  return {
    url,
    shopDomain,
    controls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Reads the arguments of the `orders(...)` field: `$variables`, quoted strings, numbers,
 * booleans and enum values. Enough for any client that queries orders, not a GraphQL parser.
 */
function readOrdersArguments(query: string, variables: Record<string, unknown>): Record<string, unknown> {
  const start = /\borders\s*\(/.exec(query);
  if (!start) throw new GraphqlFailure('no orders field', 'BAD_REQUEST');
  let depth = 1;
  let quoted = false;
  let end = start.index + start[0].length;
  for (; end < query.length && depth > 0; end++) {
    const char = query[end];
    if (quoted) {
      if (char === '\\') end++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
  }
  const argumentText = query.slice(start.index + start[0].length, end - 1);
  const args: Record<string, unknown> = {};
  const argument = /(\w+)\s*:\s*(\$\w+|"(?:[^"\\]|\\.)*"|-?\d+|true|false|null|[A-Z_][A-Z0-9_]*)/g;
  for (const [, name, raw] of argumentText.matchAll(argument)) {
    if (!name || raw === undefined) continue;
    if (raw.startsWith('$')) args[name] = variables[raw.slice(1)];
    else if (raw.startsWith('"')) args[name] = JSON.parse(raw);
    else if (/^-?\d+$/.test(raw)) args[name] = Number(raw);
    else if (raw === 'true' || raw === 'false') args[name] = raw === 'true';
    else if (raw === 'null') args[name] = null;
    else args[name] = raw;
  }
  return args;
}

/** Shopify's cursors are base64 JSON of the last row's id and sort value. */
function encodeCursor(id: number, value: number, sortField: string): string {
  const lastValue = sortField === 'id' ? value : new Date(value).toISOString();
  return Buffer.from(JSON.stringify({ last_id: id, last_value: lastValue })).toString('base64');
}

function decodeCursor(cursor: string): z.infer<typeof cursorSchema> {
  const parsed = cursorSchema.safeParse(safeJson(Buffer.from(cursor, 'base64').toString('utf8')));
  if (!parsed.success) throw new GraphqlFailure('Invalid cursor for current pagination sort.', 'BAD_REQUEST');
  return parsed.data;
}

function accessDenied(field: string, path: (string | number)[]) {
  return {
    message: `This app is not approved to access the ${field} field. See https://shopify.dev/docs/apps/launch/protected-customer-data for more details.`,
    path,
    extensions: { code: 'ACCESS_DENIED' },
  };
}

function errorBody(err: GraphqlFailure) {
  return { errors: [{ message: err.message, extensions: { code: err.code, ...err.extra } }] };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
