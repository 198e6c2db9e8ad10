/**
 * `sandbox tiktok` and `sandbox shopify`: the fakes the tests use, in the foreground, for trying
 * Signalwatch without real accounts. They stay up until SIGINT/SIGTERM.
 */
import { createHash } from 'node:crypto';
import { AppError } from '@/lib/http/errors';
import { startFakeShopify, DEFAULT_MODE as SHOPIFY_DEFAULT_MODE } from '@/sandbox/shopify';
import { startFakeTikTok } from '@/sandbox/tiktok/server';
import { optionalString, UsageError, type Command, type CommandContext } from '../command';

export const SANDBOX_TIKTOK_DEFAULTS = {
  port: 4010,
  pixelCode: 'CSANDBOXPIXEL01',
  advertiserId: '7000000000000000001',
  eventsToken: 'sandbox-events-token',
  marketingToken: 'sandbox-marketing-token',
} as const;
export const SANDBOX_SHOPIFY_DEFAULTS = { port: 4020 } as const;

export interface RunningSandbox {
  url: string;
  /** What to print: the URL first, then how to point a store at it. */
  instructions: string;
  close(): Promise<void>;
}

export interface TikTokSandboxOptions {
  port?: number;
  host?: string;
  pixelCode?: string;
  /** Default: a stable 19-digit id derived from the pixel code. */
  pixelId?: string;
  advertiserId?: string;
  eventsToken?: string;
  marketingToken?: string;
}

export async function startTikTokSandbox(opts: TikTokSandboxOptions = {}): Promise<RunningSandbox> {
  const d = SANDBOX_TIKTOK_DEFAULTS;
  const pixel = {
    pixelCode: opts.pixelCode ?? d.pixelCode,
    advertiserId: opts.advertiserId ?? d.advertiserId,
    eventsToken: opts.eventsToken ?? d.eventsToken,
    marketingToken: opts.marketingToken ?? d.marketingToken,
    pixelId: opts.pixelId ?? pixelIdFor(opts.pixelCode ?? d.pixelCode),
  };
  const fake = await listening(opts.port ?? d.port, () =>
    startFakeTikTok({ port: opts.port ?? d.port, host: opts.host, pixels: [pixel] }),
  );
  const q = shellQuote;
  const instructions =
    `Fake TikTok API on ${fake.url}\n` +
    `  pixel ${pixel.pixelCode} (pixel id ${pixel.pixelId}), advertiser ${pixel.advertiserId}\n` +
    `  events token ${pixel.eventsToken}, marketing token ${pixel.marketingToken}\n\n` +
    'Point Signalwatch and a store (STORE) at it:\n' +
    `  export TIKTOK_API_BASE_URL=${fake.url}   # before starting signalwatch: stats sync, relay forwarding\n` +
    `  signalwatch store set STORE pixel_code=${pixel.pixelCode} advertiser_id=${pixel.advertiserId}\n` +
    `  printf %s ${q(pixel.eventsToken)} | signalwatch store secret STORE tiktok_events_token\n` +
    `  printf %s ${q(pixel.marketingToken)} | signalwatch store secret STORE tiktok_marketing_token\n` +
    '  signalwatch sync tiktok --store STORE --from YYYY-MM-DD --to YYYY-MM-DD\n\n' +
    'Sandbox endpoints: POST /sandbox/pixel/track (a browser-leg pixel event), GET /sandbox/events (what was\n' +
    'counted, merged or dropped), POST /sandbox/pixels (another pixel), POST /sandbox/controls (faults, latency),\n' +
    'POST /sandbox/reset.\n' +
    'Stop with Ctrl+C.\n';
  return { url: fake.url, instructions, close: () => fake.close() };
}

export async function startShopifySandbox(opts: { port?: number; host?: string } = {}): Promise<RunningSandbox> {
  const port = opts.port ?? SANDBOX_SHOPIFY_DEFAULTS.port;
  const shop = await listening(port, () => startFakeShopify({ port, host: opts.host }));
  const token = SHOPIFY_DEFAULT_MODE.accessToken;
  const instructions =
    `Fake Shopify Admin API on ${shop.url}\n` +
    `  shop ${shop.shopDomain}, access token ${token}\n\n` +
    'Point a store at it:\n' +
    `  signalwatch store add --name 'Sandbox Shop' --platform shopify --shop-domain ${shop.shopDomain} \\\n` +
    `    --base-url ${shop.url} --timezone UTC --currency USD\n` +
    `  printf %s ${shellQuote(token)} | signalwatch store secret sandbox-shop shopify_access_token\n` +
    '  signalwatch sync orders --store sandbox-shop --from YYYY-MM-DD --to YYYY-MM-DD\n' +
    `  (an existing store: signalwatch store set STORE base_url=${shop.url} shop_domain=${shop.shopDomain})\n\n` +
    `Seed orders: curl -X POST ${shop.url}/__sandbox/orders -H 'Content-Type: application/json' \\\n` +
    `    -d '[{"processedAt":"2026-01-15T10:00:00Z","total":"49.90","lastVisit":{"landingPage":"/?ttclid=abc"}}]'\n` +
    'Stop with Ctrl+C.\n';
  return { url: shop.url, instructions, close: () => shop.close() };
}

/** Resolves with the first SIGINT or SIGTERM, and stops listening for them. */
export function waitForShutdown(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function runInForeground(ctx: CommandContext, start: () => Promise<RunningSandbox>): Promise<number> {
  const sandbox = await start();
  const shutdown = waitForShutdown();
  ctx.io.out(sandbox.instructions);
  const signal = await shutdown;
  await sandbox.close();
  ctx.io.err(`Stopped (${signal}).\n`);
  return 0;
}

const hostOption = { host: { type: 'string' } } as const;

const sandboxTikTok: Command = {
  name: 'sandbox tiktok',
  summary: 'Run the fake TikTok Business API in the foreground (Events API, pixel list, pixel stats)',
  usage: '[--port 4010] [--host 127.0.0.1] [--pixel CODE] [--pixel-id ID] [--advertiser ID] [--events-token T] [--marketing-token T]',
  help:
    `Registers one pixel (default ${SANDBOX_TIKTOK_DEFAULTS.pixelCode} under advertiser ${SANDBOX_TIKTOK_DEFAULTS.advertiserId}) with an\n` +
    'Events API token and a Marketing API token, prints the URL and the commands that point a store at it,\n' +
    'and runs until Ctrl+C (SIGINT) or SIGTERM. --port 0 picks a free port. State is in memory only.',
  options: {
    port: { type: 'string' },
    ...hostOption,
    pixel: { type: 'string' },
    'pixel-id': { type: 'string' },
    advertiser: { type: 'string' },
    'events-token': { type: 'string' },
    'marketing-token': { type: 'string' },
  },
  needsDb: false,
  async run(ctx) {
    const opt = (name: string) => optionalString(ctx, name);
    const pixelCode = opt('pixel');
    if (pixelCode !== undefined && !/^[A-Za-z0-9]{6,64}$/.test(pixelCode)) {
      throw new UsageError(`--pixel must be an alphanumeric pixel code of 6–64 characters (got "${pixelCode}")`);
    }
    for (const name of ['advertiser', 'pixel-id']) {
      const value = opt(name);
      if (value !== undefined && !/^\d{6,25}$/.test(value)) throw new UsageError(`--${name} must be numeric (got "${value}")`);
    }
    for (const name of ['events-token', 'marketing-token']) {
      if (opt(name) === '') throw new UsageError(`--${name} must not be empty`);
    }
    const options: TikTokSandboxOptions = {
      port: portOption(ctx, SANDBOX_TIKTOK_DEFAULTS.port),
      host: opt('host'),
      pixelCode,
      pixelId: opt('pixel-id'),
      advertiserId: opt('advertiser'),
      eventsToken: opt('events-token'),
      marketingToken: opt('marketing-token'),
    };
    return runInForeground(ctx, () => startTikTokSandbox(options));
  },
};

const sandboxShopify: Command = {
  name: 'sandbox shopify',
  summary: 'Run the fake Shopify Admin API in the foreground (orders query, throttling, webhooks)',
  usage: '[--port 4020] [--host 127.0.0.1]',
  help:
    'Prints the URL, the shop domain and access token, and the commands that point a store at it; seed orders\n' +
    'with POST /__sandbox/orders. Runs until Ctrl+C (SIGINT) or SIGTERM. --port 0 picks a free port.',
  options: { port: { type: 'string' }, ...hostOption },
  needsDb: false,
  async run(ctx) {
    const port = portOption(ctx, SANDBOX_SHOPIFY_DEFAULTS.port);
    return runInForeground(ctx, () => startShopifySandbox({ port, host: optionalString(ctx, 'host') }));
  },
};

function portOption(ctx: CommandContext, fallback: number): number {
  const text = optionalString(ctx, 'port');
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be a port number 0–65535 (got "${text}")`);
  return port;
}

/** A busy port is a user error with a fix, not a stack trace. */
async function listening<T>(port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new AppError('conflict', `port ${port} is already in use; choose another with --port`);
    if (code === 'EACCES') throw new AppError('forbidden', `not allowed to listen on port ${port}; choose another with --port`);
    throw err;
  }
}

/** A stable 19-digit numeric id for a pixel code, like TikTok's. */
export function pixelIdFor(pixelCode: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(pixelCode).digest('hex').slice(0, 16)}`).toString().padStart(17, '0');
  return `69${digits.slice(0, 17)}`;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export const sandboxCommands = [sandboxTikTok, sandboxShopify];
