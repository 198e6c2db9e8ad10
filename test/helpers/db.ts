/**
 * Real databases for integration tests: PGlite in memory always, and a fresh Postgres
 * database per test file when TEST_DATABASE_URL is set (so parallel files never collide).
 * Guard: tests never touch a non-local Postgres.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { openDatabase, type DbHandle } from '@/db/client';
import { loadMigrations, migrate } from '@/db/migrate';

export type TargetName = 'pglite' | 'postgres';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function testTargets(): TargetName[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

function adminUrl(): URL {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  if (!LOCAL_HOSTS.has(url.hostname)) {
    throw new Error(`TEST_DATABASE_URL must point at a local Postgres (got host ${url.hostname}); tests create and drop databases`);
  }
  return url;
}

export interface TestDatabase extends DbHandle {
  target: TargetName;
  url?: string;
  cleanup(): Promise<void>;
}

/**
 * PGlite's initdb plus migrations costs seconds of CPU per test file; a migrated data dir is
 * dumped once (per migration set) and every file starts from it in under a second.
 */
async function pgliteTemplate(): Promise<Blob> {
  const key = createHash('sha256').update(loadMigrations().map((m) => m.hash).join()).digest('hex').slice(0, 16);
  const dir = join(process.cwd(), 'node_modules', '.cache', 'signalwatch');
  const file = join(dir, `pglite-template-${key}.tar`);
  if (!existsSync(file)) {
    const handle = await openDatabase({ memory: true });
    await migrate(handle);
    const dump = await handle.dump!();
    await handle.close();
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file); // atomic: parallel workers never read a half-written template
  }
  return new Blob([readFileSync(file)]);
}

/** A migrated, empty database of the given kind. */
export async function createTestDatabase(target: TargetName): Promise<TestDatabase> {
  if (target === 'pglite') {
    const handle = await openDatabase({ memory: true, template: await pgliteTemplate() });
    await migrate(handle);
    return { ...handle, target, cleanup: () => handle.close() };
  }
  const base = adminUrl();
  // The run's tag (test/helpers/leaked-databases.ts) lets the run check that it left nothing behind.
  const name = `sw_test_${process.env.SW_TEST_RUN ?? 'untagged'}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() }, { max: 4 });
  await migrate(handle);
  return {
    ...handle,
    target,
    url: url.toString(),
    async cleanup() {
      await handle.close();
      const a = postgres(base.toString(), { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
