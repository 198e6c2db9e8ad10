/**
 * The scheduler as its own process (`signalwatch worker`), for Postgres deployments where web
 * replicas run with SIGNALWATCH_SCHEDULER=off. Any number of workers may run: each fire is
 * claimed once.
 */
import type { Db } from '@/db/client';
import { env, EnvError } from '@/lib/config/env';
import { JOBS, cronEnvName, cronOverrides } from './index';
import { createScheduler, cronFor } from './scheduler';

/** The SIGNALWATCH_CRON_* overrides, checked: an EnvError naming each bad variable. */
export function checkedCronOverrides(): Record<string, string> {
  const crons = cronOverrides();
  const issues: string[] = [];
  for (const job of JOBS) {
    try {
      cronFor(job, crons);
    } catch {
      issues.push(`${cronEnvName(job.name)}: "${crons[job.name]}" is not a cron expression (5 fields, UTC, e.g. "0 6 * * 4")`);
    }
  }
  if (issues.length) throw new EnvError(issues);
  return crons;
}

export function startScheduler(db: Db, opts: { log?: (m: string) => void; processId?: string } = {}) {
  const crons = checkedCronOverrides();
  const scheduler = createScheduler({
    db,
    jobs: JOBS,
    crons,
    processId: opts.processId,
    log: opts.log ?? ((m) => console.log(`[scheduler] ${m}`)),
    context: { tiktokBaseUrl: env().TIKTOK_API_BASE_URL },
  });
  return scheduler;
}
