/**
 * The process-wide database handle: opened lazily on first use (never during `next build`),
 * migrated, and cached on globalThis so server.ts, Next's bundled route handlers and jobs
 * share one PGlite instance (two on one data dir would corrupt it).
 */
import { join, resolve } from 'node:path';
import { openDatabase, type DbHandle } from '@/db/client';
import { migrate } from '@/db/migrate';
import { env } from './env';
import { acquireDataDirLock } from './datadir';

const g = globalThis as { __signalwatchDb?: Promise<DbHandle> };

export function database(): Promise<DbHandle> {
  g.__signalwatchDb ??= open().catch((err) => {
    g.__signalwatchDb = undefined;
    throw err;
  });
  return g.__signalwatchDb;
}

async function open(): Promise<DbHandle> {
  const { DATABASE_URL, SIGNALWATCH_DATA_DIR } = env();
  if (DATABASE_URL) {
    const handle = await openDatabase({ url: DATABASE_URL });
    await migrate(handle);
    return handle;
  }
  acquireDataDirLock(SIGNALWATCH_DATA_DIR, { role: 'process' });
  const handle = await openDatabase({ dataDir: join(resolve(SIGNALWATCH_DATA_DIR), 'pglite') });
  await migrate(handle);
  return handle;
}

export async function closeDatabase(): Promise<void> {
  const pending = g.__signalwatchDb;
  g.__signalwatchDb = undefined;
  if (pending) await (await pending).close();
}
