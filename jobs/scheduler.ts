/**
 * node-cron drives the clock; Postgres decides who runs. Each fire is claimed by inserting a
 * (task, fire_time) row with a unique key, so across any number of processes a fire runs once.
 * At start, the latest fire missed (or failed) while nothing was running is caught up.
 */
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '@/db/client';
import { claimJobRun, failStaleRuns, finishJobRun, hasRunAtOrAfter, lastRunFireTime } from '@/db/queries/job-runs';
import type { JobDefinition, JobContext } from './types';

export interface SchedulerOptions {
  db: Db;
  jobs: JobDefinition[];
  /** Cron overrides by job name. */
  crons?: Record<string, string>;
  processId?: string;
  log?: (message: string) => void;
  /** Dependencies passed to every job (clients, base URLs, the clock). */
  context?: Omit<JobContext, 'db' | 'now' | 'log'>;
}

export interface RunOutcome {
  task: string;
  fireTime: Date;
  status: 'ok' | 'error' | 'skipped';
  counts?: Record<string, number>;
  error?: string;
  durationMs?: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export function cronFor(job: JobDefinition, crons: Record<string, string> = {}): string {
  const expr = crons[job.name] ?? job.cron;
  if (!cron.validate(expr)) throw new Error(`invalid cron expression for job ${job.name}: "${expr}"`);
  return expr;
}

/** The most recent minute at or before `now` that the expression matches, within `horizonMs`. */
export function previousFire(expression: string, now: Date, horizonMs = 8 * DAY): Date | undefined {
  return firesBackwards(expression, now, now.getTime() - horizonMs, 1)[0];
}

/** Every fire after `after` and at or before `now`, oldest first, at most `horizonMs` back. */
export function firesSince(expression: string, after: Date, now: Date, horizonMs = 8 * 7 * DAY): Date[] {
  return firesBackwards(expression, now, Math.max(after.getTime() + MINUTE, now.getTime() - horizonMs), Infinity).reverse();
}

/** Matching minutes from `now` back to `stopMs` (inclusive), newest first: node-cron has no "previous". */
function firesBackwards(expression: string, now: Date, stopMs: number, limit: number): Date[] {
  const probe = cron.createTask(expression, () => {}, { timezone: 'Etc/UTC' });
  const fires: Date[] = [];
  try {
    for (let t = Math.floor(now.getTime() / MINUTE) * MINUTE; t >= stopMs && fires.length < limit; t -= MINUTE) {
      if (probe.match(new Date(t))) fires.push(new Date(t));
    }
    return fires;
  } finally {
    void probe.destroy();
  }
}

/** Claims and runs one fire; a fire another process claimed is skipped. */
export async function runFire(opts: SchedulerOptions, job: JobDefinition, fireTime: Date): Promise<RunOutcome> {
  const claimedBy = opts.processId ?? `${hostname()}:${process.pid}`;
  const runId = await claimJobRun(opts.db, job.name, fireTime, claimedBy);
  if (runId === undefined) return { task: job.name, fireTime, status: 'skipped' };
  const started = Date.now();
  const log = opts.log ?? (() => {});
  try {
    const counts = (await job.run({ ...opts.context, db: opts.db, now: fireTime, log: (m) => log(`[${job.name}] ${m}`) })) ?? {};
    const durationMs = Date.now() - started;
    await finishJobRun(opts.db, runId, { status: 'ok', durationMs, counts });
    return { task: job.name, fireTime, status: 'ok', counts, durationMs };
  } catch (err) {
    const durationMs = Date.now() - started;
    const error = (err as Error)?.message ?? String(err);
    log(`[${job.name}] failed: ${error}`);
    await finishJobRun(opts.db, runId, { status: 'error', durationMs, error }).catch(() => {});
    return { task: job.name, fireTime, status: 'error', error, durationMs };
  }
}

export function createScheduler(opts: SchedulerOptions) {
  const tasks: ScheduledTask[] = [];
  const running = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  };

  return {
    /** Runs the latest missed fire of each catch-up job, then starts the cron tasks. */
    async start(now = new Date()): Promise<RunOutcome[]> {
      // Every expression is checked before any job is scheduled: one bad override stops the start
      // instead of leaving the jobs after it silently unscheduled.
      const expressions = opts.jobs.map((job) => cronFor(job, opts.crons));
      await failStaleRuns(opts.db, new Date(now.getTime() - 6 * 60 * MINUTE));
      const caughtUp: RunOutcome[] = [];
      for (const [i, job] of opts.jobs.entries()) {
        const expression = expressions[i]!;
        tasks.push(
          // The returned promise lets noOverlap skip a tick while the previous run still works.
          cron.schedule(expression, async (ctx) => {
            await track(runFire(opts, job, truncateToMinute(ctx.date ?? new Date())));
          }, {
            timezone: 'Etc/UTC',
            name: job.name,
            noOverlap: true,
          }),
        );
        if (job.catchUp === false) continue;
        for (const missed of await missedFires(opts.db, job, expression, now)) {
          opts.log?.(`catching up ${job.name} (missed ${missed.toISOString()})`);
          caughtUp.push(await track(runFire(opts, job, missed)));
        }
      }
      return caughtUp;
    },
    async stop() {
      for (const t of tasks) await t.stop();
      tasks.length = 0;
      await Promise.allSettled([...running]);
    },
  };
}

/** The fires to catch up at start: the latest one if it has not run, or with 'every', each since the last run. */
async function missedFires(db: Db, job: JobDefinition, expression: string, now: Date): Promise<Date[]> {
  const last = job.catchUp === 'every' ? await lastRunFireTime(db, job.name) : undefined;
  if (last) return firesSince(expression, last, now);
  const latest = previousFire(expression, now);
  return latest && !(await hasRunAtOrAfter(db, job.name, latest)) ? [latest] : [];
}

const truncateToMinute = (d: Date) => new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);
