/**
 * The process entry (DESIGN.md §1, "one process, two speeds"): a node:http server that answers
 * the hot ingest paths itself and hands everything else to Next. It owns the data-dir lock,
 * serves CLI commands forwarded by `signalwatch` while it holds the embedded database, and
 * starts the scheduler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { env, EnvError } from '@/lib/config/env';
import { closeDatabase, database } from '@/lib/config/database';
import { acquireDataDirLock, ADMIN_TOKEN_FILE, DataDirLockedError, persistentSecret, releaseDataDirLock } from '@/lib/config/datadir';
import { isLoopback, readBody, sendError, type FastRoute } from '@/lib/http/node';
import { AppError } from '@/lib/http/errors';
import { closeCollectRoutes, createCollectRoute } from '@/lib/ingest/collect';
import { closeRelayRoutes, createRelay } from '@/lib/relay/relay';
import { ADMIN_CLI_PATH, ADMIN_TOKEN_HEADER, type ForwardFrame } from '@/cli/forward';
import { runCli } from '@/cli/run';
import { checkedCronOverrides, startScheduler } from '@/jobs/worker';
import { timingSafeEqual } from 'node:crypto';

export interface StartedServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Executes a forwarded CLI command in this process, streaming output as NDJSON frames. */
function adminCliRoute(adminToken: string | undefined): FastRoute {
  return async (req, res, url) => {
    if (url.pathname !== ADMIN_CLI_PATH) return false;
    const given = Buffer.from(String(req.headers[ADMIN_TOKEN_HEADER] ?? ''));
    const expected = Buffer.from(adminToken ?? '');
    if (!adminToken || !isLoopback(req) || req.method !== 'POST' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      sendError(res, new AppError('forbidden', 'admin endpoint: loopback and the data-dir token only'));
      return true;
    }
    const { argv, stdin } = JSON.parse((await readBody(req, 1 << 20)).toString('utf8')) as { argv: string[]; stdin?: string };
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const frame = (f: ForwardFrame) => res.write(JSON.stringify(f) + '\n');
    const code = await runCli(argv, { out: (o) => frame({ o }), err: (e) => frame({ e }), readStdin: async () => stdin ?? '', isTTY: false }, database);
    frame({ exit: code });
    res.end();
    return true;
  };
}

export async function startServer(opts: { dev?: boolean; port?: number; quiet?: boolean } = {}): Promise<StartedServer> {
  const config = env();
  // A bad cron override stops the start here, before the data dir or the port is taken.
  if (config.SIGNALWATCH_SCHEDULER === 'on') checkedCronOverrides();
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const embedded = !config.DATABASE_URL;
  if (embedded) acquireDataDirLock(config.SIGNALWATCH_DATA_DIR, { role: 'server' });
  const handle = await database();

  const app = next({ dev: Boolean(opts.dev), dir, quiet: opts.quiet });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const adminToken = embedded ? persistentSecret(config.SIGNALWATCH_DATA_DIR, ADMIN_TOKEN_FILE) : undefined;
  const fastRoutes: FastRoute[] = [
    createCollectRoute({ db: handle.db, dbKind: handle.kind }),
    createRelay({ db: handle.db, tiktokBaseUrl: config.TIKTOK_API_BASE_URL }),
    adminCliRoute(adminToken),
  ];

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      for (const route of fastRoutes) if (await route(req, res, url)) return;
      await handleNext(req, res);
    } catch (err) {
      if (!res.headersSent) sendError(res, err);
      else res.end();
    }
  });
  server.keepAliveTimeout = 65_000;

  const port = opts.port ?? config.PORT;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.HOST, () => resolve());
  });
  const actualPort = (server.address() as { port: number }).port;
  if (embedded) acquireDataDirLock(config.SIGNALWATCH_DATA_DIR, { role: 'server', port: actualPort });

  // The embedded database has one process: it runs the jobs. On Postgres, replicas may leave them to workers.
  const scheduler = config.SIGNALWATCH_SCHEDULER === 'on' ? startScheduler(handle.db, { log: opts.quiet ? () => {} : undefined }) : undefined;
  void scheduler?.start().catch((err) => console.error('[scheduler] failed to start:', err));

  const url = `http://localhost:${actualPort}`;
  if (!opts.quiet) console.log(`Signalwatch ready on ${url} (database: ${handle.kind}${opts.dev ? ', dev' : ''})`);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await scheduler?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closeCollectRoutes();
      await closeRelayRoutes();
      await app.close?.();
      await closeDatabase();
      if (embedded) releaseDataDirLock(config.SIGNALWATCH_DATA_DIR);
    })());
  return { url, port: actualPort, close };
}

// Run directly (`tsx server.ts`), not when imported by scripts/start.ts or tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  startServer({ dev: process.argv.includes('--dev') }).then(
    (started) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => void started.close().then(() => process.exit(0)));
    },
    (err) => {
      if (err instanceof EnvError || err instanceof DataDirLockedError) console.error(`error: ${err.message}`);
      else console.error(err);
      process.exit(1);
    },
  );
}

