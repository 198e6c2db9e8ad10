/**
 * `signalwatch reconcile` (text, --json, --save) and `jobs list|run|history`, run in-process
 * (runCli + bufferIo) against a real database with a few imported orders.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '@/db/client';
import { bufferIo } from '@/cli/io';
import { runCli } from '@/cli/run';
import { JOBS } from '@/jobs/index';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

// Three web orders and one POS order (out of scope) in the week 2026-11-02 .. 2026-11-08.
const CSV = [
  'id,processed_at,value,currency,channel',
  'J-1,2026-11-02T10:00:00Z,10,USD,web',
  'J-2,2026-11-04T10:00:00Z,20,USD,web',
  'J-3,2026-11-08T23:59:59Z,30,USD,web',
  'J-4,2026-11-05T10:00:00Z,40,USD,pos',
  'J-5,2026-11-09T00:00:00Z,50,USD,web',
].join('\n');

describe.each(testTargets())('reconcile and jobs commands on %s', (target) => {
  let t: TestDatabase;
  let dir: string;

  async function cli(argv: string[]) {
    const io = bufferIo('');
    const code = await runCli(argv, io, () => Promise.resolve(t));
    return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) as any };
  }

  beforeAll(async () => {
    t = await createTestDatabase(target);
    dir = mkdtempSync(join(tmpdir(), 'sw-cli-jobs-'));
    const add = await cli(['store', 'add', '--id', 'jobs-shop', '--name', 'Jobs Shop', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'usd', '--json']);
    expect(add.code, add.stderr).toBe(0);
    writeFileSync(join(dir, 'orders.csv'), CSV);
    const imported = await cli(['import', 'orders', '--store', 'jobs-shop', join(dir, 'orders.csv')]);
    expect(imported.code, imported.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.cleanup();
  });

  const week = ['--store', 'jobs-shop', '--from', '2026-11-02', '--to', '2026-11-08'];

  it('reconcile --json: --to is inclusive, rates are null without events or TikTok counts, nothing saved', async () => {
    const r = await cli(['reconcile', ...week, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(report).toMatchObject({ store: 'jobs-shop', from: '2026-11-02', to: '2026-11-08', orders: 3, browserCoverage: 0, serverCoverage: 0 });
    expect(report.reported).toBeNull(); // no TikTok day was fetched
    expect(report.reportedGap).toBeNull();
    expect(report.dedupRate).toBeNull(); // no order on both legs
    const snapshots = await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from health_snapshots where store_id = 'jobs-shop'`);
    expect(snapshots[0]!.n).toBe(0);
  });

  it('reconcile without --json prints a readable bridge; --save stores it as an ad-hoc snapshot', async () => {
    const r = await cli(['reconcile', ...week, '--save']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Store jobs-shop · 2026-11-02 \.\. 2026-11-08 \(UTC, inclusive\)/);
    expect(r.stdout).toMatch(/\nBridge\n/);
    expect(r.stdout).toMatch(/Saved as an ad-hoc snapshot/);
    const rows = await selectRows<{ kind: string; window_from: string; window_to: string; orders: number }>(
      t.db,
      sql`select kind, window_from::text, window_to::text, (metrics->>'orders')::int as orders from health_snapshots where store_id = 'jobs-shop'`,
    );
    expect(rows).toEqual([{ kind: 'adhoc', window_from: '2026-11-02', window_to: '2026-11-08', orders: 3 }]);
  });

  it('reconcile refuses a window whose --to is before --from, in the one error shape, exit 2', async () => {
    const r = await cli(['reconcile', '--store', 'jobs-shop', '--from', '2026-11-08', '--to', '2026-11-02']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to/);
  });

  it('jobs list names every job with its cron; jobs run records the run; jobs history shows it', async () => {
    const listed = await cli(['jobs', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.json() as { name: string; cron: string; last_status: string | null }[];
    expect(rows.map((r) => r.name).sort()).toEqual(JOBS.map((j) => j.name).sort());
    expect(rows.find((r) => r.name === 'weekly-reconciliation')).toMatchObject({ cron: '0 6 * * 4', last_status: null });

    const ran = await cli(['jobs', 'run', 'daily-snapshot', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json()).toMatchObject({ task: 'daily-snapshot', status: 'ok', counts: { stores: 1 } });
    const rolling = await selectRows<{ n: number }>(t.db, sql`select count(*)::int as n from health_snapshots where store_id = 'jobs-shop' and kind = 'rolling7'`);
    expect(rolling[0]!.n).toBe(1);

    const history = await cli(['jobs', 'history', 'daily-snapshot', '--json']);
    expect(history.code, history.stderr).toBe(0);
    expect(history.json()).toEqual([expect.objectContaining({ task: 'daily-snapshot', status: 'ok', counts: { stores: 1 }, error: null })]);
    const after = (await cli(['jobs', 'list', '--json'])).json() as { name: string; last_status: string | null }[];
    expect(after.find((r) => r.name === 'daily-snapshot')!.last_status).toBe('ok');
  });

  it('jobs run of an unknown job names the jobs there are', async () => {
    const r = await cli(['jobs', 'run', 'no-such-job']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/weekly-reconciliation/);
  });
});
