/**
 * The scheduler as its own process (`signalwatch worker`), for Postgres deployments where web
 * replicas run with SIGNALWATCH_SCHEDULER=off. Any number of workers may run: each fire is
 * claimed once.
 */
import type { Db } from '@/db/client';
import { env } from '@/lib/config/env';
import { JOBS, cronOverrides } from './index';
import { createScheduler } from './scheduler';

export function startScheduler(db: Db, opts: { log?: (m: string) => void; processId?: string } = {}) {
  const scheduler = createScheduler({
    db,
    jobs: JOBS,
    crons: cronOverrides(),
    processId: opts.processId,
    log: opts.log ?? ((m) => console.log(`[scheduler] ${m}`)),
    context: { tiktokBaseUrl: env().TIKTOK_API_BASE_URL },
  });
  return scheduler;
}
