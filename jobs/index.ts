/** Every scheduled job, in one list: the scheduler, the worker and `signalwatch jobs` read it. */
import { ordersSync } from './orders-sync';
import { outboxDrain } from './outbox-drain';
import { retentionPurge } from './retention-purge';
import { dailySnapshot, weeklyReconciliation } from './snapshots';
import { tiktokSync } from './tiktok-sync';
import type { JobDefinition } from './types';

export const JOBS: JobDefinition[] = [weeklyReconciliation, dailySnapshot, ordersSync, tiktokSync, outboxDrain, retentionPurge];

export function findJob(name: string): JobDefinition | undefined {
  return JOBS.find((j) => j.name === name);
}

/** SIGNALWATCH_CRON_<JOB_NAME> (e.g. SIGNALWATCH_CRON_ORDERS_SYNC='0,30 * * * *') overrides a job's cron. */
/** The environment variable that overrides a job's cron: SIGNALWATCH_CRON_ORDERS_SYNC for orders-sync. */
export const cronEnvName = (jobName: string) => `SIGNALWATCH_CRON_${jobName.toUpperCase().replace(/-/g, '_')}`;

export function cronOverrides(source: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const job of JOBS) {
    const value = source[cronEnvName(job.name)];
    if (value?.trim()) out[job.name] = value.trim();
  }
  return out;
}
