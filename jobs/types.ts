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
  /** Run the latest missed fire at start (false for frequent housekeeping). */
  catchUp?: boolean;
  run(ctx: JobContext): Promise<Record<string, number> | void>;
}
