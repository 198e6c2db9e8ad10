/**
 * Opens the database: PGlite in a data dir (embedded default) or Postgres via postgres.js.
 * Both are drizzle `PgDatabase`s over one schema, so every query in db/queries runs on either.
 */
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import postgres from 'postgres';
import { schema } from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type DbKind = 'pglite' | 'postgres';

/** Runs raw SQL on one connection; the migrator needs a session-level advisory lock. */
export interface RawConnection {
  exec(sqlText: string): Promise<void>;
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  release(): Promise<void>;
}

export interface DbHandle {
  db: Db;
  kind: DbKind;
  /** A dedicated connection (postgres.js reserves one; PGlite has only one). */
  connection(): Promise<RawConnection>;
  close(): Promise<void>;
  /** PGlite only: the data dir as a tarball (test templates). */
  dump?: () => Promise<Blob | File>;
}

export type DatabaseTarget =
  | { url: string }
  | { dataDir: string }
  /** In memory; `template` is a PGlite data-dir dump to start from (skips initdb). */
  | { memory: true; template?: Blob };

export async function openDatabase(target: DatabaseTarget, opts: { max?: number } = {}): Promise<DbHandle> {
  if ('url' in target) return openPostgres(target.url, opts.max ?? 10);
  const client = 'memory' in target ? new PGlite(target.template ? { loadDataDir: target.template } : {}) : new PGlite(target.dataDir);
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    async connection() {
      return {
        exec: async (text) => void (await client.exec(text)),
        query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
        release: async () => {},
      };
    },
    close: () => client.close(),
    dump: () => client.dumpDataDir('none'),
  };
}

function openPostgres(url: string, max: number): DbHandle {
  const sql = postgres(url, { max, onnotice: () => {}, prepare: true });
  const db = drizzlePostgres(sql, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    async connection() {
      const reserved = await sql.reserve();
      return {
        exec: async (text) => void (await reserved.unsafe(text)),
        query: async <T>(text: string, params?: unknown[]) =>
          (await reserved.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[])) as unknown as T[],
        release: async () => reserved.release(),
      };
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Raw SELECT results as plain rows on both drivers (PGlite answers {rows}, postgres.js an array). */
export async function selectRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
