import type { Db } from '@/db/client';

export interface JobContext {
  db: Db;
  /** The fire time: jobs compute their windows from it, so a caught-up run covers what it missed. */
  now: Date;
  log(message: string): void;
  /** Where TikTok is reached (the fake in tests and the demo). */
  tiktokBaseUrl?: string;
}

export interface JobDefinition {
  name: string;
  description: string;
  /** Default cron (UTC); override with SIGNALWATCH_CRON_<NAME>. */
  cron: string;
  /**
   * At start: run the latest missed fire (the default), none (false, for frequent housekeeping), or
   * 'every' fire missed since the task last ran, up to 8 weeks back (each fire has its own window).
   */
  catchUp?: boolean | 'every';
  run(ctx: JobContext): Promise<Record<string, number> | void>;
}
