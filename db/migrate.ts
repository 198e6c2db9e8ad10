/**
 * Applies the committed drizzle-kit migrations (db/migrations) in order, once each, under a
 * Postgres advisory lock held on a single connection so concurrent starts never race.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DbHandle } from './client';

/** Next bundles this file elsewhere; there, fall back to the repo's folder. */
function migrationsDir(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
  return existsSync(beside) ? beside : join(process.cwd(), 'db', 'migrations');
}
const LOCK_KEY = 727_274_001; // arbitrary, fixed: "signalwatch migrations"

interface JournalEntry {
  idx: number;
  tag: string;
}

export interface Migration {
  tag: string;
  hash: string;
  statements: string[];
}

export function loadMigrations(dir = migrationsDir()): Migration[] {
  const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] };
  return journal.entries
    .sort((a, b) => a.idx - b.idx)
    .map(({ tag }) => {
      const text = readFileSync(join(dir, `${tag}.sql`), 'utf8');
      return {
        tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    });
}

/** Returns the tags applied by this call (empty when already up to date). */
export async function migrate(handle: DbHandle): Promise<string[]> {
  const conn = await handle.connection();
  const applied: string[] = [];
  try {
    if (handle.kind === 'postgres') await conn.exec(`select pg_advisory_lock(${LOCK_KEY})`);
    await conn.exec(`create table if not exists signalwatch_migrations (
      tag text primary key, hash text not null, applied_at timestamptz not null default now())`);
    const done = new Set((await conn.query<{ tag: string }>('select tag from signalwatch_migrations')).map((r) => r.tag));
    for (const m of loadMigrations()) {
      if (done.has(m.tag)) continue;
      await conn.exec('begin');
      try {
        for (const statement of m.statements) await conn.exec(statement);
        await conn.query('insert into signalwatch_migrations (tag, hash) values ($1, $2)', [m.tag, m.hash]);
        await conn.exec('commit');
      } catch (err) {
        await conn.exec('rollback');
        throw new Error(`migration ${m.tag} failed: ${(err as Error).message}`);
      }
      applied.push(m.tag);
    }
  } finally {
    if (handle.kind === 'postgres') await conn.exec(`select pg_advisory_unlock(${LOCK_KEY})`).catch(() => {});
    await conn.release();
  }
  return applied;
}
