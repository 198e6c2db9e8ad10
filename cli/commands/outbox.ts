import { getOutbox, listOutbox, OUTBOX_STATUSES, requeueOutbox, type OutboxStatus } from '@/db/queries/outbox';
import { recordAudit } from '@/db/queries/audit';
import { env } from '@/lib/config/env';
import { AppError } from '@/lib/http/errors';
import { importServerEventsNdjson } from '@/lib/relay/import';
import { drainOutbox, type DrainResult } from '@/lib/relay/outbox';
import { requireStore } from '@/lib/stores';
import { optionalString, requireOption, UsageError, type Command } from '../command';
import { printJson, printTable, progress } from '../io';

const list: Command = {
  name: 'outbox list',
  summary: 'List relay requests queued for TikTok (pending, dead, delivered)',
  usage: '[--store S] [--status pending|dead|delivered] [--limit N] [--json]',
  help:
    'Newest first (default 100 rows). pending: waiting for the next attempt; dead: not delivered within the\n' +
    "store's outbox horizon (retry with `signalwatch outbox retry`); delivered: TikTok answered (last_error\n" +
    'says when it refused some events).',
  options: { store: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const status = optionalString(ctx, 'status');
    if (status !== undefined && !(OUTBOX_STATUSES as readonly string[]).includes(status))
      throw new UsageError(`--status must be one of ${OUTBOX_STATUSES.join(', ')}`);
    const limitText = optionalString(ctx, 'limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be a whole number from 1 to 100000');
    const storeId = optionalString(ctx, 'store');
    const { db } = await ctx.db();
    if (storeId) await requireStore(db, storeId);
    const rows = (await listOutbox(db, { storeId, status: status as OutboxStatus | undefined, limit })).map((r) => ({
      id: r.id,
      store: r.storeId,
      status: r.status,
      events: r.events,
      attempts: r.attempts,
      created_at: r.createdAt.toISOString(),
      next_attempt_at: r.status === 'pending' ? r.nextAttemptAt.toISOString() : null,
      expires_at: r.expiresAt.toISOString(),
      delivered_at: r.deliveredAt?.toISOString() ?? null,
      last_error: r.lastError,
    }));
    if (ctx.values.json) printJson(ctx.io, rows);
    else {
      printTable(
        ctx.io,
        rows.map((r) => ({ ...r, last_error: r.last_error && r.last_error.length > 90 ? `${r.last_error.slice(0, 89)}…` : r.last_error })),
        ['id', 'store', 'status', 'events', 'attempts', 'created_at', 'next_attempt_at', 'expires_at', 'last_error'],
      );
      ctx.io.out(`${rows.length} row(s)\n`);
    }
    return 0;
  },
};

const retry: Command = {
  name: 'outbox retry',
  summary: 'Put a dead (or pending) outbox row back in the queue, due now, with a new horizon',
  usage: 'ID | --all-dead [--store S] [--json]',
  help: "The row's dead events become queued again; the running app (or `signalwatch outbox drain`) delivers it.",
  options: { 'all-dead': { type: 'boolean' }, store: { type: 'string' }, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const idText = ctx.args[0];
    const allDead = ctx.values['all-dead'] === true;
    if (!idText === !allDead) throw new UsageError('give one outbox ID or --all-dead');
    const storeId = optionalString(ctx, 'store');
    const { db } = await ctx.db();
    if (storeId) await requireStore(db, storeId);
    let ids: number[];
    if (idText) {
      const id = Number(idText);
      if (!Number.isSafeInteger(id) || id < 1) throw new UsageError(`"${idText}" is not an outbox id`);
      const row = await getOutbox(db, id);
      if (!row || (storeId && row.storeId !== storeId)) throw new AppError('not_found', `no outbox row ${id}${storeId ? ` for store ${storeId}` : ''}`);
      if (row.status === 'delivered') throw new AppError('conflict', `outbox row ${id} was already delivered`);
      ids = await requeueOutbox(db, { id, now: new Date() });
    } else {
      ids = await requeueOutbox(db, { storeId, now: new Date() });
    }
    if (ids.length) await recordAudit(db, { actor: 'cli', storeId: storeId ?? null, action: 'outbox.retry', details: { ids } });
    if (ctx.values.json) printJson(ctx.io, { requeued: ids });
    else ctx.io.out(ids.length ? `Requeued ${ids.length} row(s): ${ids.join(', ')}\n` : 'Nothing to requeue.\n');
    return 0;
  },
};

const drain: Command = {
  name: 'outbox drain',
  summary: 'Deliver due outbox rows to TikTok now',
  usage: '[--store S] [--json]',
  help: 'Runs the same drain as the outbox-drain job (TIKTOK_API_BASE_URL), until nothing is due. Exit 1 when rows remain to retry.',
  options: { store: { type: 'string' }, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const storeId = optionalString(ctx, 'store');
    const { db } = await ctx.db();
    if (storeId) await requireStore(db, storeId);
    const tiktokBaseUrl = env().TIKTOK_API_BASE_URL;
    const total: DrainResult = { rows: 0, delivered: 0, retried: 0, dead: 0, eventsSent: 0, eventsRejected: 0, eventsDead: 0 };
    const bar = progress(ctx.io, 'draining', undefined);
    for (;;) {
      const r = await drainOutbox(db, { tiktokBaseUrl, storeId, log: (m) => ctx.io.err(`${m}\n`) });
      for (const k of Object.keys(total) as (keyof DrainResult)[]) total[k] += r[k];
      bar.update(total.rows, `${total.delivered} delivered`);
      // Rescheduled rows are not due again in this run; stop when a round found nothing new to settle.
      if (r.rows < 1000 || r.retried === r.rows) break;
    }
    bar.done(`${total.rows} row(s)`);
    if (ctx.values.json) printJson(ctx.io, total);
    else
      ctx.io.out(
        `${total.rows} row(s): ${total.delivered} delivered, ${total.retried} to retry, ${total.dead} dead; ` +
          `events: ${total.eventsSent} sent, ${total.eventsRejected} refused by TikTok, ${total.eventsDead} dead\n`,
      );
    return total.retried ? 1 : 0;
  },
};

const importServerEvents: Command = {
  name: 'import server-events',
  summary: 'Record server-leg events from an NDJSON log (one Events API event per line)',
  usage: '--store S FILE.ndjson [--json]',
  help:
    'For shops whose Events API calls go through another tool. Each line is one event as in the request\'s\n' +
    '"data" array ({"event":"Purchase","event_id":"1001","event_time":…,"user":{…},"properties":{…}}); a whole\n' +
    'request body on one line is accepted too. Events are linted and recorded as observed, never sent.\n' +
    'Idempotent: an event whose name and event_id were already imported for the store is skipped (events\n' +
    'without event_id are recorded every time). Bad lines are reported by number; the good ones are kept.\n' +
    'Raw email or phone values are never stored (only which match keys were present and valid).\n' +
    'Exit 0 when every line imported, 1 when some lines were rejected.',
  options: { store: { type: 'string' }, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const storeId = requireOption(ctx, 'store');
    const file = ctx.args[0];
    if (!file) throw new UsageError('an NDJSON file is required');
    const { db } = await ctx.db();
    const store = await requireStore(db, storeId);
    const bar = progress(ctx.io, 'importing', 100);
    let result;
    try {
      result = await importServerEventsNdjson(db, store, file, {
        onProgress: (lines, bytes, total) => bar.update(total ? Math.round((bytes / total) * 100) : 0, `${lines} lines`),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') throw new AppError('bad_request', `cannot read ${file}: ${code}`);
      throw err;
    }
    bar.done(`${result.lines} lines`);
    if (ctx.values.json) printJson(ctx.io, result);
    else {
      ctx.io.out(
        `${result.lines} line(s): ${result.recorded} event(s) recorded, ${result.duplicates} already imported, ${result.rejected.length} line(s) rejected\n`,
      );
      for (const r of result.rejected.slice(0, 50)) ctx.io.out(`  line ${r.line}: ${r.reason}\n`);
      if (result.rejected.length > 50) ctx.io.out(`  … and ${result.rejected.length - 50} more (use --json for all)\n`);
    }
    return result.rejected.length ? 1 : 0;
  },
};

export const outboxCommands = [list, retry, drain, importServerEvents];
