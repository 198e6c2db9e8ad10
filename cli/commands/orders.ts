import { listOrders } from '@/db/queries/orders';
import { listReleases } from '@/db/queries/releases';
import { importOrdersCsv } from '@/lib/commerce/import';
import { requireStore } from '@/lib/stores';
import { requireOption, UsageError, type Command } from '../command';
import { storeAndWindow, windowOptions } from '../dates';
import { printJson, printTable, progress } from '../io';

const orders: Command = {
  name: 'orders',
  summary: 'List stored orders processed in a window',
  usage: '--store S --from YYYY-MM-DD --to YYYY-MM-DD [--json]',
  options: { store: { type: 'string' }, ...windowOptions, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db, store, window: w } = await storeAndWindow(ctx);
    const rows = (await listOrders(db, { storeId: store.id, from: w.start, to: w.end })).map((o) => ({
      id: o.platformId,
      name: o.name,
      processed_at: o.processedAt.toISOString(),
      value: o.value,
      currency: o.currency,
      test: o.test,
      cancelled_at: o.cancelledAt?.toISOString() ?? null,
      channel: o.channel,
      in_scope: o.inScope,
      scope_reason: o.scopeReason,
      attribution: o.attribution,
      attribution_visit: o.attributionVisit,
      browser: o.browser,
      os: o.os,
    }));
    if (ctx.values.json) printJson(ctx.io, rows);
    else {
      printTable(ctx.io, rows, ['id', 'name', 'processed_at', 'value', 'currency', 'channel', 'in_scope', 'scope_reason', 'attribution', 'browser', 'os']);
      ctx.io.out(`${rows.length} order(s), ${rows.filter((r) => r.in_scope).length} in scope\n`);
    }
    return 0;
  },
};

const importOrders: Command = {
  name: 'import orders',
  summary: 'Import orders from a CSV file (idempotent; bad rows reported, good rows kept)',
  usage: '--store S FILE.csv [--json]',
  help:
    'Columns (header row, any order): id, processed_at, value, currency are required; optional: name, test,\n' +
    'cancelled_at, updated_at, channel, email, phone, external_id, ip, user_agent, ttclid, ttp, landing_url,\n' +
    'referrer_url, utm_source, platform_source, first_visit_at. Dates ISO 8601 with Z or an offset, or YYYY-MM-DD\n' +
    '(UTC midnight). Email and phone are hashed on arrival and never stored raw. Exit 0 when every row imported,\n' +
    '1 when some rows were rejected.',
  options: { store: { type: 'string' }, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const storeId = requireOption(ctx, 'store');
    const file = ctx.args[0];
    if (!file) throw new UsageError('a CSV file is required');
    const { db } = await ctx.db();
    const store = await requireStore(db, storeId);
    const bar = progress(ctx.io, 'importing', 100);
    const result = await importOrdersCsv(db, store, file, (rows, bytes, total) =>
      bar.update(total ? Math.round((bytes / total) * 100) : 0, `${rows} rows`),
    );
    bar.done(`${result.received} rows`);
    if (ctx.values.json) printJson(ctx.io, result);
    else {
      ctx.io.out(
        `${result.received} rows: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged, ${result.rejected.length} rejected\n`,
      );
      for (const r of result.rejected.slice(0, 50)) ctx.io.out(`  row ${r.index}${r.id ? ` (id ${r.id})` : ''}: ${r.reason}\n`);
      if (result.rejected.length > 50) ctx.io.out(`  … and ${result.rejected.length - 50} more (use --json for all)\n`);
    }
    return result.rejected.length ? 1 : 0;
  },
};

const releases: Command = {
  name: 'releases',
  summary: "List a store's release markers",
  usage: '--store S [--json]',
  options: { store: { type: 'string' }, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const storeId = requireOption(ctx, 'store');
    const { db } = await ctx.db();
    await requireStore(db, storeId);
    const rows = (await listReleases(db, storeId)).map((r) => ({
      id: r.id,
      kind: r.kind,
      name: r.name,
      source: r.source,
      released_at: r.releasedAt.toISOString(),
      description: r.description,
    }));
    if (ctx.values.json) printJson(ctx.io, rows);
    else printTable(ctx.io, rows, ['id', 'released_at', 'kind', 'name', 'source']);
    return 0;
  },
};

export const orderCommands = [orders, importOrders, releases];
