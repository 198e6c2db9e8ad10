import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { TIKTOK_CODE } from '@/lib/tiktok/codes';
import { MAX_EVENTS_PER_REQUEST } from '@/lib/tiktok/types';
import { SandboxRequestError } from './errors';
import { EventLedger, type LedgerEvent, type LedgerFilter, type LedgerSummary } from './ledger';
import { listPixels, pixelEventStats, trackEvents, type OpenApiState } from './open-api';
import { PixelRegistry, type PixelRegistration, type RegisteredPixel } from './registry';
import { TikTokRefusal } from './validate';

export type { LedgerEvent, LedgerFilter, LedgerSummary } from './ledger';
export type { PixelRegistration, RegisteredPixel } from './registry';

/**
 * A fake TikTok Business API over real HTTP, for tests, the demo and `signalwatch sandbox tiktok`.
 *
 * TikTok endpoints (answers HTTP 200 + `{code, message, request_id, data}`, as TikTok does):
 *   POST /open_api/v1.3/event/track/        Events API 2.0 (server leg)
 *   GET  /open_api/v1.3/pixel/list/         pixel code → pixel id
 *   GET  /open_api/v1.3/pixel/event/stats/  counts per pixel over a date range
 * Sandbox endpoints (errors as `{"error":{code,message}}`):
 *   POST /sandbox/pixel/track   browser leg: one pixel event, or `{events:[…]}` (≤1,000, all or nothing)
 *   GET  /sandbox/events        ?pixel_code=&event_id=&status= → {summary, events}: ground truth
 *   GET  /sandbox/controls      → {mode, requests}
 *   POST /sandbox/controls      FakeTikTokModeUpdate → {mode, requests}
 *   GET  /sandbox/pixels        → {pixels}
 *   POST /sandbox/pixels        PixelRegistration → 201 {pixel}
 *   POST /sandbox/reset         forget events, request counts and faults (pixels stay) → 204
 */

export type FaultKind = 'none' | 'throttle' | 'outage_html' | 'outage_code';

const modeUpdateSchema = z.strictObject({
  /** throttle → code 40100; outage_html → HTTP 503 with an HTML page; outage_code → code 50000. */
  fault: z.enum(['none', 'throttle', 'outage_html', 'outage_code']).optional(),
  /** How many TikTok API requests the fault hits before clearing itself; null or absent = until changed. */
  faultCount: z.number().int().positive().nullable().optional(),
  /** Delay before every TikTok API answer (the request is processed on arrival). */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** `omitted` leaves `total_count` out of stats rows, as some sources say TikTok does. */
  statsTotalCount: z.enum(['filled', 'omitted']).optional(),
});
export type FakeTikTokModeUpdate = z.input<typeof modeUpdateSchema>;

export interface FakeTikTokMode {
  fault: FaultKind;
  faultCount: number | null;
  latencyMs: number;
  statsTotalCount: 'filled' | 'omitted';
}

const DEFAULT_MODE: FakeTikTokMode = { fault: 'none', faultCount: null, latencyMs: 0, statsTotalCount: 'filled' };

/** Requests received per endpoint since start or reset, faulted and refused ones included. */
export interface RequestCounts {
  eventTrack: number;
  pixelList: number;
  pixelStats: number;
  pixelIntake: number;
}

export interface FakeTikTokControls {
  mode(): FakeTikTokMode;
  /** Changes only the given fields; setting `fault` without `faultCount` makes it last until changed. */
  setMode(update: FakeTikTokModeUpdate): FakeTikTokMode;
  addPixel(registration: PixelRegistration): RegisteredPixel;
  pixels(): RegisteredPixel[];
  events(filter?: LedgerFilter): LedgerEvent[];
  summary(filter?: LedgerFilter): LedgerSummary;
  requestCounts(): RequestCounts;
  reset(): void;
}

export interface FakeTikTokOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  pixels?: PixelRegistration[];
  /** Milliseconds since epoch, for `receivedAt` and request ids; event times come from the events. */
  clock?: () => number;
}

export interface FakeTikTok {
  url: string;
  port: number;
  controls: FakeTikTokControls;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const EVENT_TRACK_PATH = '/open_api/v1.3/event/track';
const PIXEL_LIST_PATH = '/open_api/v1.3/pixel/list';
const PIXEL_STATS_PATH = '/open_api/v1.3/pixel/event/stats';

const OUTAGE_HTML =
  '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n' +
  '<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n';

const pixelEventSchema = z.object({
  pixel_code: z.string().min(1),
  event: z.string().min(1),
  event_id: z.string().optional(),
  /** Unix seconds or ISO 8601; also the arrival time used for dedup windows. */
  timestamp: z.union([
    z.number().int().min(0).max(1e11 - 1, 'timestamp must be Unix seconds, not milliseconds'),
    z.iso.datetime({ offset: true }).transform((iso) => Math.floor(Date.parse(iso) / 1000)),
  ]),
  ttp: z.string().optional(),
  ttclid: z.string().optional(),
  test_event_code: z.string().optional(),
  properties: z
    .object({ value: z.number().optional(), currency: z.string().optional(), order_id: z.string().optional() })
    .optional(),
  /** Keys from `ttq.identify` (hashed) and the request itself; only their presence is recorded. */
  user: z
    .object({
      email: z.string().optional(),
      phone: z.string().optional(),
      external_id: z.string().optional(),
      ip: z.string().optional(),
      user_agent: z.string().optional(),
    })
    .optional(),
});
const pixelIntakeSchema = z.union([
  z.object({ events: z.array(pixelEventSchema).min(1).max(MAX_EVENTS_PER_REQUEST) }),
  pixelEventSchema,
]);

const eventsQuerySchema = z.object({
  pixel_code: z.string().optional(),
  event_id: z.string().optional(),
  status: z.enum(['counted', 'merged', 'dropped', 'test']).optional(),
});

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

interface RequestContext {
  query: URLSearchParams;
  accessToken: string | undefined;
  bodyText: string;
}

type RouteHandler = (context: RequestContext) => Reply | Promise<Reply>;

export async function startFakeTikTok(options: FakeTikTokOptions = {}): Promise<FakeTikTok> {
  const clock = options.clock ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const registry = new PixelRegistry();
  for (const pixel of options.pixels ?? []) registry.add(pixel);
  const ledger = new EventLedger(clock);
  const state: OpenApiState = { registry, ledger };
  let mode: FakeTikTokMode = { ...DEFAULT_MODE };
  let requests: RequestCounts = { eventTrack: 0, pixelList: 0, pixelStats: 0, pixelIntake: 0 };

  const controls: FakeTikTokControls = {
    mode: () => ({ ...mode }),
    setMode(update) {
      const parsed = modeUpdateSchema.safeParse(update);
      if (!parsed.success) throw new SandboxRequestError(400, 'validation_failed', z.prettifyError(parsed.error));
      const { fault, faultCount, ...rest } = parsed.data;
      mode = { ...mode, ...rest };
      if (fault !== undefined) mode = { ...mode, fault, faultCount: fault === 'none' ? null : (faultCount ?? null) };
      else if (faultCount !== undefined) mode = { ...mode, faultCount };
      return { ...mode };
    },
    addPixel: (registration) => registry.add(registration),
    pixels: () => registry.all(),
    events: (filter) => ledger.list(filter),
    summary: (filter) => ledger.summarize(ledger.list(filter)),
    requestCounts: () => ({ ...requests }),
    reset() {
      ledger.clear();
      mode = { ...DEFAULT_MODE };
      requests = { eventTrack: 0, pixelList: 0, pixelStats: 0, pixelIntake: 0 };
    },
  };

  /** The fault for this request, counting it down when limited. */
  function takeFault(): FaultKind {
    const fault = mode.fault;
    if (fault !== 'none' && mode.faultCount !== null) {
      mode = mode.faultCount > 1 ? { ...mode, faultCount: mode.faultCount - 1 } : { ...mode, fault: 'none', faultCount: null };
    }
    return fault;
  }

  function tiktokReply(code: number, message: string, data?: object): Reply {
    const envelope = { code, message, request_id: requestId(clock), ...(data === undefined ? {} : { data }) };
    return json(200, envelope);
  }

  /**
   * Processes on arrival and delays only the answer, as a slow TikTok does: a client that times
   * out may still have delivered. (It also keeps a late answer from touching state after reset.)
   */
  async function openApi(counter: keyof RequestCounts, answer: () => object): Promise<Reply> {
    requests[counter]++;
    const latencyMs = mode.latencyMs;
    const reply = answerOrFault(answer);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    return reply;
  }

  function answerOrFault(answer: () => object): Reply {
    switch (takeFault()) {
      case 'outage_html':
        return { status: 503, contentType: 'text/html', body: OUTAGE_HTML };
      case 'outage_code':
        return tiktokReply(TIKTOK_CODE.SYSTEM_ERROR, 'Internal service error, please try again later.');
      case 'throttle':
        return tiktokReply(TIKTOK_CODE.TOO_MANY_REQUESTS, 'Too many requests. Please retry in some time.');
      case 'none':
        break;
    }
    try {
      return tiktokReply(TIKTOK_CODE.OK, 'OK', answer());
    } catch (error) {
      if (error instanceof TikTokRefusal) return tiktokReply(error.code, error.message);
      throw error;
    }
  }

  function recordPixelEvents(bodyText: string): Reply {
    requests.pixelIntake++;
    const parsed = pixelIntakeSchema.safeParse(parseSandboxJson(bodyText));
    if (!parsed.success) throw new SandboxRequestError(400, 'validation_failed', z.prettifyError(parsed.error));
    const events = 'events' in parsed.data ? parsed.data.events : [parsed.data];
    const unknownPixel = events.find((event) => !registry.pixelByCode(event.pixel_code));
    if (unknownPixel) throw new SandboxRequestError(404, 'not_found', `unknown pixel code ${unknownPixel.pixel_code}`);
    ledger.record(
      events.map((event) => ({
        pixelCode: event.pixel_code,
        leg: 'browser' as const,
        event: event.event,
        eventId: event.event_id || null,
        eventTime: event.timestamp,
        testEventCode: event.test_event_code || null,
        ttclid: event.ttclid || null,
        ttp: event.ttp || null,
        matchKeys: [
          ...(['email', 'phone', 'external_id'] as const).filter((key) => event.user?.[key]),
          ...(event.ttclid ? ['ttclid'] : []),
          ...(event.ttp ? ['ttp'] : []),
          ...(['ip', 'user_agent'] as const).filter((key) => event.user?.[key]),
        ],
        value: event.properties?.value ?? null,
        currency: event.properties?.currency ?? null,
        orderId: event.properties?.order_id ?? null,
      })),
    );
    return json(200, { received: events.length });
  }

  function listEvents(query: URLSearchParams): Reply {
    const parsed = eventsQuerySchema.safeParse(Object.fromEntries(query));
    if (!parsed.success) throw new SandboxRequestError(400, 'validation_failed', z.prettifyError(parsed.error));
    const events = ledger.list({ pixelCode: parsed.data.pixel_code, eventId: parsed.data.event_id, status: parsed.data.status });
    return json(200, { summary: ledger.summarize(events), events });
  }

  const routes: Record<string, Partial<Record<string, RouteHandler>>> = {
    [EVENT_TRACK_PATH]: {
      POST: ({ accessToken, bodyText }) => openApi('eventTrack', () => trackEvents(state, accessToken, bodyText)),
    },
    [PIXEL_LIST_PATH]: {
      GET: ({ accessToken, query }) => openApi('pixelList', () => listPixels(state, accessToken, query)),
    },
    [PIXEL_STATS_PATH]: {
      GET: ({ accessToken, query }) =>
        openApi('pixelStats', () =>
          pixelEventStats(state, accessToken, query, { includeTotalCount: mode.statsTotalCount === 'filled' }),
        ),
    },
    '/sandbox/pixel/track': { POST: ({ bodyText }) => recordPixelEvents(bodyText) },
    '/sandbox/events': { GET: ({ query }) => listEvents(query) },
    '/sandbox/controls': {
      GET: () => json(200, { mode: controls.mode(), requests: controls.requestCounts() }),
      POST: ({ bodyText }) => {
        controls.setMode(parseSandboxJson(bodyText) as FakeTikTokModeUpdate);
        return json(200, { mode: controls.mode(), requests: controls.requestCounts() });
      },
    },
    '/sandbox/pixels': {
      GET: () => json(200, { pixels: controls.pixels() }),
      POST: ({ bodyText }) => json(201, { pixel: controls.addPixel(parseSandboxJson(bodyText) as PixelRegistration) }),
    },
    '/sandbox/reset': {
      POST: () => {
        controls.reset();
        return { status: 204, contentType: 'text/plain', body: '' };
      },
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-tiktok');
    // TikTok documents the paths with a trailing slash; senders use both.
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = req.method ?? 'GET';
    let reply: Reply;
    try {
      const methods = routes[path];
      if (!methods) throw new SandboxRequestError(404, 'not_found', `no route for ${path}`);
      const handler = methods[method];
      if (!handler) throw new SandboxRequestError(405, 'method_not_allowed', `${method} is not allowed on ${path}`);
      const bodyText = method === 'POST' ? await readBody(req) : '';
      reply = await handler({ query: url.searchParams, accessToken: headerValue(req, 'access-token'), bodyText });
    } catch (error) {
      reply = errorReply(error);
    }
    res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${clientHost(host)}:${port}`,
    port,
    controls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function json(status: number, body: unknown): Reply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

function errorReply(error: unknown): Reply {
  if (error instanceof SandboxRequestError) {
    return json(error.status, { error: { code: error.code, message: error.message } });
  }
  console.error('[fake-tiktok] unexpected error:', error);
  return json(500, { error: { code: 'internal_error', message: 'Internal server error' } });
}

function parseSandboxJson(bodyText: string): unknown {
  try {
    return JSON.parse(bodyText);
  } catch {
    throw new SandboxRequestError(400, 'invalid_json', 'request body is not valid JSON');
  }
}

/** Reads the whole body; past the limit it keeps draining (so keep-alive survives) and answers 413. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new SandboxRequestError(413, 'payload_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

/** TikTok-style request id: UTC timestamp digits then 20 uppercase hex characters. */
function requestId(clock: () => number): string {
  const stamp = new Date(clock()).toISOString().replace(/\D/g, '').slice(0, 14);
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}

/** A wildcard listen address is not something a client can dial. */
function clientHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
