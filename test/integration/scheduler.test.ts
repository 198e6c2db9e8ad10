import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from '@/db/client';
import { listJobRuns } from '@/db/queries/job-runs';
import { createScheduler, previousFire, runFire } from '@/jobs/scheduler';
import type { JobDefinition } from '@/jobs/types';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

function countingJob(name: string, cron = '0 6 * * 4'): JobDefinition & { calls: Date[] } {
  const calls: Date[] = [];
  return {
    name,
    cron,
    description: 'test job',
    calls,
    async run({ now }) {
      calls.push(now);
      await new Promise((r) => setTimeout(r, 20));
      return { n: calls.length };
    },
  };
}

describe('previousFire', () => {
  it('finds the latest matching minute in UTC', () => {
    // 2026-11-22 is a Sunday; the previous Thursday 06:00 UTC is 2026-11-19.
    expect(previousFire('0 6 * * 4', new Date('2026-11-22T10:00:00Z'))?.toISOString()).toBe('2026-11-19T06:00:00.000Z');
    expect(previousFire('15 */6 * * *', new Date('2026-11-22T10:00:30Z'))?.toISOString()).toBe('2026-11-22T06:15:00.000Z');
    expect(previousFire('0 6 * * 4', new Date('2026-11-19T06:00:00Z'))?.toISOString()).toBe('2026-11-19T06:00:00.000Z');
  });
});

describe.each(testTargets())('scheduler on %s', (target) => {
  let t: TestDatabase;
  let second: DbHandle;
  beforeAll(async () => {
    t = await createTestDatabase(target);
    // A second connection pool plays the second process (PGlite has one connection: same handle).
    second = t.url ? await openDatabase({ url: t.url }, { max: 4 }) : t;
  });
  afterAll(async () => {
    if (second !== t) await second.close();
    await t.cleanup();
  });

  it('runs each fire exactly once across two processes racing for it', async () => {
    const job = countingJob('race');
    const fire = new Date('2026-11-19T06:00:00Z');
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => runFire({ db: (i % 2 ? second : t).db, jobs: [job], processId: `p${i % 2}` }, job, fire)),
    );
    expect(outcomes.filter((o) => o.status === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'skipped')).toHaveLength(5);
    expect(job.calls).toHaveLength(1);
    const runs = await listJobRuns(t.db, { task: 'race' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'ok', counts: { n: 1 } });
    expect(runs[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('catches up a fire missed while down, once, and records failures', async () => {
    const ok = countingJob('weekly-test');
    const failing: JobDefinition = { name: 'failing-test', cron: '0 6 * * 4', description: 'x', run: async () => { throw new Error('boom'); } };
    const housekeeping = { ...countingJob('frequent-test', '* * * * *'), catchUp: false };
    const now = new Date('2026-11-22T10:00:00Z');
    const a = createScheduler({ db: t.db, jobs: [ok, failing, housekeeping] });
    const b = createScheduler({ db: second.db, jobs: [ok, failing, housekeeping] });
    const [ra, rb] = await Promise.all([a.start(now), b.start(now)]);
    await Promise.all([a.stop(), b.stop()]);
    const ran = [...ra, ...rb].filter((o) => o.status !== 'skipped');
    expect(ran.map((o) => o.task).sort()).toEqual(['failing-test', 'weekly-test']);
    expect(ok.calls.map((d) => d.toISOString())).toEqual(['2026-11-19T06:00:00.000Z']);
    expect(housekeeping.calls).toHaveLength(0);
    const [failed] = await listJobRuns(t.db, { task: 'failing-test' });
    expect(failed).toMatchObject({ status: 'error', error: 'boom' });
    // Started again later the same week: nothing left to catch up.
    const c = createScheduler({ db: t.db, jobs: [ok] });
    expect(await c.start(new Date('2026-11-23T10:00:00Z'))).toEqual([]);
    await c.stop();
    expect(ok.calls).toHaveLength(1);
  });

  it('runs a failed fire again at the next start, once across two processes, and keeps one row for it', async () => {
    let attempts = 0;
    const flaky: JobDefinition & { calls: Date[] } = {
      ...countingJob('flaky-test'),
      async run({ now }) {
        flaky.calls.push(now);
        if (++attempts === 1) throw new Error('TikTok was down');
        return { n: attempts };
      },
    };
    const first = createScheduler({ db: t.db, jobs: [flaky] });
    expect((await first.start(new Date('2026-11-22T10:00:00Z'))).map((o) => o.status)).toEqual(['error']);
    await first.stop();
    // Restarted right away, the failed fire is not retried yet (processes racing for one fire never run a fast failure twice)…
    const early = createScheduler({ db: second.db, jobs: [flaky] });
    expect((await early.start(new Date('2026-11-22T10:00:00Z'))).map((o) => o.status)).toEqual(['skipped']);
    await early.stop();
    expect(flaky.calls).toHaveLength(1);
    // …a restart later: both processes try the missed fire, one runs it.
    await t.db.execute(sql`update job_runs set finished_at = finished_at - interval '10 minutes' where task = 'flaky-test'`);
    const a = createScheduler({ db: t.db, jobs: [flaky] });
    const b = createScheduler({ db: second.db, jobs: [flaky] });
    const outcomes = (await Promise.all([a.start(new Date('2026-11-22T11:00:00Z')), b.start(new Date('2026-11-22T11:00:00Z'))])).flat();
    await Promise.all([a.stop(), b.stop()]);
    expect(outcomes.filter((o) => o.status === 'ok')).toHaveLength(1);
    expect(flaky.calls.map((d) => d.toISOString())).toEqual(['2026-11-19T06:00:00.000Z', '2026-11-19T06:00:00.000Z']);
    const runs = await listJobRuns(t.db, { task: 'flaky-test' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'ok', error: null, counts: { n: 2 } });
    // Succeeded: a later start leaves it alone.
    const c = createScheduler({ db: t.db, jobs: [flaky] });
    expect(await c.start(new Date('2026-11-22T12:00:00Z'))).toEqual([]);
    await c.stop();
  });

  it("catches up every missed fire of a job marked 'every', oldest first, once each", async () => {
    const weekly = { ...countingJob('every-test'), catchUp: 'every' as const };
    const first = createScheduler({ db: t.db, jobs: [weekly] });
    await first.start(new Date('2026-11-22T10:00:00Z')); // no history: the latest fire only
    await first.stop();
    // Down for three weeks: each Thursday's fire gets its run (each reconciles its own week).
    const a = createScheduler({ db: t.db, jobs: [weekly] });
    const b = createScheduler({ db: second.db, jobs: [weekly] });
    await Promise.all([a.start(new Date('2026-12-10T10:00:00Z')), b.start(new Date('2026-12-10T10:00:00Z'))]);
    await Promise.all([a.stop(), b.stop()]);
    expect(weekly.calls.map((d) => d.toISOString().slice(0, 10)).sort()).toEqual(['2026-11-19', '2026-11-26', '2026-12-03', '2026-12-10']);
    expect((await listJobRuns(t.db, { task: 'every-test' })).map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('refuses a bad cron override before scheduling anything', async () => {
    const job = countingJob('override-test', '* * * * *');
    const s = createScheduler({ db: t.db, jobs: [countingJob('before-test', '* * * * *'), job], crons: { 'override-test': 'every thursday' } });
    await expect(s.start(new Date('2026-11-22T10:00:00Z'))).rejects.toThrow(/invalid cron expression for job override-test/);
    await s.stop();
    expect(await listJobRuns(t.db, { task: 'before-test' })).toEqual([]);
  });
});
