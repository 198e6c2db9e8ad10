import { afterEach, describe, expect, it } from 'vitest';
import { EnvError } from '@/lib/config/env';
import { cronEnvName, cronOverrides, JOBS } from '@/jobs/index';
import { checkedCronOverrides } from '@/jobs/worker';

const saved = { ...process.env };
afterEach(() => {
  for (const job of JOBS) delete process.env[cronEnvName(job.name)];
  Object.assign(process.env, saved);
});

describe('cron overrides', () => {
  it('reads SIGNALWATCH_CRON_<JOB> for each job, trimmed, and ignores empty values', () => {
    expect(cronEnvName('orders-sync')).toBe('SIGNALWATCH_CRON_ORDERS_SYNC');
    expect(cronOverrides({ SIGNALWATCH_CRON_ORDERS_SYNC: ' 0,30 * * * * ', SIGNALWATCH_CRON_DAILY_SNAPSHOT: ' ' })).toEqual({ 'orders-sync': '0,30 * * * *' });
  });

  it('refuses every bad override at once, naming the variables', () => {
    process.env.SIGNALWATCH_CRON_ORDERS_SYNC = 'every hour';
    process.env.SIGNALWATCH_CRON_WEEKLY_RECONCILIATION = '0 6 * * 8';
    process.env.SIGNALWATCH_CRON_DAILY_SNAPSHOT = '15 7 * * *';
    let error: unknown;
    try {
      checkedCronOverrides();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).issues).toEqual([
      'SIGNALWATCH_CRON_WEEKLY_RECONCILIATION: "0 6 * * 8" is not a cron expression (5 fields, UTC, e.g. "0 6 * * 4")',
      'SIGNALWATCH_CRON_ORDERS_SYNC: "every hour" is not a cron expression (5 fields, UTC, e.g. "0 6 * * 4")',
    ]);
    delete process.env.SIGNALWATCH_CRON_ORDERS_SYNC;
    delete process.env.SIGNALWATCH_CRON_WEEKLY_RECONCILIATION;
    expect(checkedCronOverrides()).toEqual({ 'daily-snapshot': '15 7 * * *' });
  });
});
