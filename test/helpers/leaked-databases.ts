/**
 * Vitest global setup for the integration project: tags this run's Postgres test databases
 * (test/helpers/db.ts names them sw_test_<tag>_…) and, at the end, fails the run if any is left:
 * a test that forgets cleanup() would otherwise fill the local server, one database per run.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export default function setup(): (() => Promise<void>) | void {
  if (!process.env.TEST_DATABASE_URL) return;
  const tag = (process.env.SW_TEST_RUN ??= randomBytes(3).toString('hex'));
  return async () => {
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      const left = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`sw_test_${tag}_%`}`;
      for (const { datname } of left) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      // Vitest reports an error thrown here but still exits 0: the exit code must say it too.
      if (left.length) process.exitCode = 1;
      if (left.length) throw new Error(`${left.length} test database(s) were not dropped by their test's cleanup() (now dropped): ${left.map((d) => d.datname).join(', ')}`);
    } finally {
      await admin.end();
    }
  };
}
