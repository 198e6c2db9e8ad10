/**
 * `signalwatch worker` as users run it (the real bin, two OS processes, one Postgres): a fire is
 * claimed by exactly one process through the real cron path (node-cron tick → truncate to the
 * minute → claim). The outbox drain (catchUp=false, cheap with an empty outbox) is overridden to
 * tick every second, so both workers race for the current minute's fire many times; every other
 * job is moved to a day far from today, so neither its cron nor its catch-up fires.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '@/db/client';
import { listJobRuns } from '@/db/queries/job-runs';
import { cronEnvName, JOBS } from '@/jobs/index';
import { startSignalwatch, type SignalwatchProcess } from '../helpers/bin';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

const MINUTE = 60_000;
const RACED_JOB = 'outbox-drain';
/** How long both workers run side by side, ticking every second. */
const RACE_MS = 3_000;


/**
 * 00:00 UTC on the day-of-month/month 15 days from now: its previous occurrence is almost a year
 * back (beyond the scheduler's 8-day catch-up horizon) and its next is two weeks away.
 */
function farAwayCron(now = new Date()): string {
  const d = new Date(now.getTime() + 15 * 24 * 60 * MINUTE);
  return `0 0 ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
}

type Worker = SignalwatchProcess;
const startWorker = (env: NodeJS.ProcessEnv, cwd: string): Worker => startSignalwatch(['worker'], { cwd, env });

/** Resolves when the worker printed its start line (the scheduler is running); rejects if it exits first. */
async function started(w: Worker, timeoutMs = 20_000): Promise<void> {
  const line = new RegExp(`^worker ${w.child.pid} scheduling ${JOBS.length} jobs; Ctrl-C to stop$`, 'm');
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void w.exited.then(() => (exited = true));
  while (!line.test(w.stdout)) {
    if (exited) throw new Error(`worker ${w.child.pid} exited before starting:\n${w.stdout}\n${w.stderr}`);
    if (Date.now() > deadline) throw new Error(`worker ${w.child.pid} did not start in ${timeoutMs} ms:\n${w.stdout}\n${w.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const floorMinute = (t: number) => Math.floor(t / MINUTE) * MINUTE;

describe('signalwatch worker without Postgres', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sw-worker-pglite-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses the embedded database (exit 1, says it needs DATABASE_URL)', async () => {
    const w = startWorker({ ...process.env, DATABASE_URL: '', SIGNALWATCH_DATA_DIR: dataDir }, dataDir);
    const { code } = await w.exited;
    expect(w.stderr).toMatch(/^error: the worker needs DATABASE_URL \(Postgres\)/);
    expect(w.stdout).toBe('');
    expect(code).toBe(1);
  });
});

describe.skipIf(!testTargets().includes('postgres'))('two signalwatch worker processes on Postgres', () => {
  let t: TestDatabase;
  let dataDir: string;
  const workers: Worker[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    dataDir = mkdtempSync(join(tmpdir(), 'sw-worker-pg-'));
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited.catch(() => {})));
    await t?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('each fire of a job ticking every second runs exactly once, claimed by one of the two processes', async () => {
    const far = farAwayCron();
    const crons = Object.fromEntries(JOBS.map((j) => [cronEnvName(j.name), j.name === RACED_JOB ? '* * * * * *' : far]));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...crons,
      DATABASE_URL: t.url!,
      SIGNALWATCH_SECRET: 'worker-test-secret-worker-test-secret-0123',
      SIGNALWATCH_DATA_DIR: dataDir,
      // Nothing here may reach the network: a closed local port if anything tried.
      TIKTOK_API_BASE_URL: 'http://127.0.0.1:9',
      SIGNALWATCH_SCHEDULER: 'on',
    };

    const spawnedAt = Date.now();
    workers.push(startWorker(env, dataDir), startWorker(env, dataDir));
    await Promise.all(workers.map((w) => started(w)));
    const bothRunning = Date.now();

    await sleep(RACE_MS);
    const stopping = Date.now();
    for (const w of workers) w.child.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.exited));
    const stopped = Date.now();

    for (const [i, w] of workers.entries()) {
      expect(exits[i], `worker ${w.child.pid} exit\n${w.stdout}\n${w.stderr}`).toEqual({ code: 0, signal: null });
      expect(w.stderr).toBe('');
      expect(w.stdout).not.toMatch(/failed|catching up|error/i);
    }

    const runs = await listJobRuns(t.db, { limit: 1000 });
    // No other job ran: neither its cron nor a catch-up at start.
    expect(new Set(runs.map((r) => r.task))).toEqual(new Set([RACED_JOB]));

    // Exactly one row per (task, fire_time), each finished ok.
    const fireTimes = runs.map((r) => r.fireTime.getTime());
    expect(new Set(fireTimes).size).toBe(runs.length);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(3);
    const pids = new Set(workers.map((w) => `${hostname()}:${w.child.pid}`));
    for (const r of runs) {
      expect(r).toMatchObject({ task: RACED_JOB, status: 'ok', error: null });
      expect(r.finishedAt).not.toBeNull();
      expect(r.counts).toMatchObject({ rows: 0, delivered: 0, purged: 0 });
      expect(pids.has(r.claimedBy), `claimed_by ${r.claimedBy} is one of ${[...pids].join(', ')}`).toBe(true);
      // Fire times are whole minutes within the workers' lifetime.
      expect(r.fireTime.getTime() % MINUTE).toBe(0);
      expect(r.fireTime.getTime()).toBeGreaterThanOrEqual(floorMinute(spawnedAt));
      expect(r.fireTime.getTime()).toBeLessThanOrEqual(floorMinute(stopped));
    }
    // Every minute both workers were running in has its fire (the cron path really fired). The
    // last second before SIGTERM is left out: a tick at a minute's first second may not have run.
    for (let m = floorMinute(bothRunning); m <= floorMinute(stopping - 1_500); m += MINUTE) {
      expect(fireTimes, `fire ${new Date(m).toISOString()}`).toContain(m);
    }

    // Many claims were attempted and all but one per fire lost: each INSERT … ON CONFLICT takes an
    // identity value whether or not it inserts, so the sequence counts the attempts. Both workers
    // tick every second for RACE_MS; allow for slow ticks.
    const [seq] = await selectRows<{ last_value: string | null }>(
      t.db,
      sql`select last_value::text as last_value from pg_sequences where schemaname || '.' || sequencename = pg_get_serial_sequence('job_runs', 'id')`,
    );
    const attempts = Number(seq?.last_value ?? 0);
    expect(attempts).toBeGreaterThanOrEqual(Math.floor(RACE_MS / 1000));
    expect(attempts).toBeGreaterThan(runs.length);
  });
});
