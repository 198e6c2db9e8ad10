/**
 * A drizzle database over a stub postgres.js client: queries are built exactly as the app builds
 * them (same dialect, same SQL text, same parameters) and never sent. Used to measure the CPU
 * that building a statement costs, apart from the database.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Db } from '@/db/client';
import { schema } from '@/db/schema';

export interface OfflineDb {
  db: Db;
  /** Text and parameter count of the last statement built. */
  last(): { chars: number; params: number };
}

export function offlineDb(): OfflineDb {
  let last = { chars: 0, params: 0 };
  const noRows = () => {
    const p = Promise.resolve([]) as Promise<never[]> & { values(): Promise<never[]> };
    p.values = () => Promise.resolve([]);
    return p;
  };
  const client = {
    options: { parsers: {}, serializers: {} },
    unsafe: (text: string, params?: unknown[]) => {
      last = { chars: text.length, params: params?.length ?? 0 };
      return noRows();
    },
  };
  const db = drizzle(client as never, { schema }) as unknown as Db;
  return { db, last: () => last };
}

/** Node CPU ms per call of `fn` (after a warm-up). */
export async function cpuPerCall(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++) await fn();
  const c = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000 / n;
}
