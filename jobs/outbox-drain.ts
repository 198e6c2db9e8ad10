import { purgeOutbox } from '@/db/queries/outbox';
import { env } from '@/lib/config/env';
import { drainOutbox, type DrainResult } from '@/lib/relay/outbox';
import type { JobDefinition } from './types';

/**
 * Delivers the relay outbox (DESIGN.md §3 item 3): due rows are sent with backoff until their
 * store's horizon, then marked dead; delivered and dead rows older than the store's retention
 * period are deleted (their bodies hold hashes, IP and user agent). Safe on any number of
 * workers (rows are claimed with SKIP LOCKED). The relay also drains from its own process on a
 * timer right after an outage, so this is the backstop, not the only path.
 */
export const outboxDrain: JobDefinition = {
  name: 'outbox-drain',
  description: 'Deliver queued relay requests to TikTok (backoff, then dead after the store horizon); purge old outbox rows',
  cron: '* * * * *',
  catchUp: false,
  async run({ db, log, tiktokBaseUrl }) {
    const baseUrl = tiktokBaseUrl ?? env().TIKTOK_API_BASE_URL;
    // Real time, not the fire time: due-ness and backoff are about now.
    const total: DrainResult = { rows: 0, delivered: 0, retried: 0, dead: 0, eventsSent: 0, eventsRejected: 0, eventsDead: 0 };
    const started = Date.now();
    // A few rounds within the minute, so a long backlog does not wait for the next fire.
    while (Date.now() - started < 45_000) {
      const r = await drainOutbox(db, { tiktokBaseUrl: baseUrl, log });
      for (const k of Object.keys(total) as (keyof DrainResult)[]) total[k] += r[k];
      if (r.rows < 1000 || r.retried === r.rows) break;
    }
    if (total.dead) log(`${total.dead} outbox row(s) dead (see \`signalwatch outbox list --status dead\`)`);
    const purged = await purgeOutbox(db, new Date());
    return { ...total, purged };
  },
};
