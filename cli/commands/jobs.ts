import { lastRunPerTask, listJobRuns } from '@/db/queries/job-runs';
import { env } from '@/lib/config/env';
import { AppError } from '@/lib/http/errors';
import { JOBS, cronOverrides, findJob } from '@/jobs/index';
import { cronFor, runFire } from '@/jobs/scheduler';
import { startScheduler } from '@/jobs/worker';
import { UsageError, type Command } from '../command';
import { printJson, printTable } from '../io';

const list: Command = {
  name: 'jobs list',
  summary: 'List scheduled jobs with their cron and last run',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db } = await ctx.db();
    const last = await lastRunPerTask(db);
    const crons = cronOverrides();
    const rows = JOBS.map((j) => {
      const run = last.get(j.name);
      return {
        name: j.name,
        cron: cronFor(j, crons),
        description: j.description,
        last_fire: run?.fireTime.toISOString() ?? null,
        last_status: run?.status ?? null,
        last_duration_ms: run?.durationMs ?? null,
      };
    });
    if (ctx.values.json) printJson(ctx.io, rows);
    else printTable(ctx.io, rows, ['name', 'cron', 'last_fire', 'last_status', 'last_duration_ms', 'description']);
    return 0;
  },
};

const run: Command = {
  name: 'jobs run',
  summary: 'Run a job now (recorded in the history like a scheduled run)',
  usage: 'NAME [--json]',
  options: { json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const name = ctx.args[0];
    if (!name) throw new UsageError(`job name required: ${JOBS.map((j) => j.name).join(', ')}`);
    const job = findJob(name);
    if (!job) throw new AppError('not_found', `no job "${name}"; jobs: ${JOBS.map((j) => j.name).join(', ')}`);
    const { db } = await ctx.db();
    const outcome = await runFire(
      { db, jobs: JOBS, processId: `cli:${process.pid}`, log: (m) => ctx.io.err(`${m}\n`), context: { tiktokBaseUrl: env().TIKTOK_API_BASE_URL } },
      job,
      new Date(),
    );
    if (ctx.values.json) printJson(ctx.io, outcome);
    else ctx.io.out(`${job.name}: ${outcome.status}${outcome.error ? ` — ${outcome.error}` : ''} ${JSON.stringify(outcome.counts ?? {})} in ${outcome.durationMs ?? 0} ms\n`);
    return outcome.status === 'ok' ? 0 : 1;
  },
};

const history: Command = {
  name: 'jobs history',
  summary: 'Show recent job runs (status, duration, counts, error)',
  usage: '[NAME] [--limit 50] [--json]',
  options: { limit: { type: 'string' }, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db } = await ctx.db();
    const limit = Number(ctx.values.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const rows = (await listJobRuns(db, { task: ctx.args[0], limit })).map((r) => ({
      task: r.task,
      fire_time: r.fireTime.toISOString(),
      status: r.status,
      duration_ms: r.durationMs,
      counts: r.counts,
      error: r.error,
      claimed_by: r.claimedBy,
    }));
    if (ctx.values.json) printJson(ctx.io, rows);
    else printTable(ctx.io, rows.map((r) => ({ ...r, counts: r.counts ? JSON.stringify(r.counts) : null })));
    return 0;
  },
};

const worker: Command = {
  name: 'worker',
  summary: 'Run the job scheduler as its own process (Postgres deployments)',
  usage: '',
  help:
    'Requires DATABASE_URL (Postgres). Run web replicas with SIGNALWATCH_SCHEDULER=off and any number of\n' +
    'workers: each scheduled fire is claimed by exactly one process. With the embedded database, the app\n' +
    'runs the scheduler itself.',
  needsDb: true,
  async run(ctx) {
    if (!env().DATABASE_URL) throw new AppError('bad_request', 'the worker needs DATABASE_URL (Postgres); with the embedded database `npm start` runs the scheduler');
    const { db } = await ctx.db();
    const scheduler = startScheduler(db, { log: (m) => ctx.io.out(`${new Date().toISOString()} ${m}\n`) });
    const caught = await scheduler.start();
    ctx.io.out(`worker ${process.pid} scheduling ${JOBS.length} jobs${caught.length ? ` (caught up ${caught.length})` : ''}; Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await scheduler.stop();
    return 0;
  },
};

export const jobCommands = [list, run, history, worker];
