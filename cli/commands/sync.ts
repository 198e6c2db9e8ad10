import { syncStoreOrders } from '@/lib/commerce/sync';
import { requireStore } from '@/lib/stores';
import { optionalString, requireOption, type Command } from '../command';
import { dayWindow, windowOptions } from '../dates';
import { printJson, progress } from '../io';

const syncOrders: Command = {
  name: 'sync orders',
  summary: "Pull orders from the store's platform (Shopify or WooCommerce)",
  usage: '--store S [--from YYYY-MM-DD --to YYYY-MM-DD] [--json]',
  help:
    'With --from/--to, reads those whole UTC days (both inclusive). Without, reads what changed since the last\n' +
    'run. Days that could not be read in full, and orders whose TikTok attribution was still pending, are read\n' +
    'again by the next run. Exit 1 when something could not be fetched.',
  options: { store: { type: 'string' }, ...windowOptions, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db } = await ctx.db();
    const store = await requireStore(db, requireOption(ctx, 'store'));
    const window = optionalString(ctx, 'from') || optionalString(ctx, 'to') ? dayWindow(ctx) : undefined;
    const bar = progress(ctx.io, `syncing ${store.id}`, undefined);
    const summary = await syncStoreOrders(db, store, {
      from: window?.start,
      to: window?.end,
      onProgress: (e) => bar.update(e.done, `${e.scope}: ${e.fetched} orders`),
    });
    bar.done(`${summary.fetched} orders`);
    if (ctx.values.json) printJson(ctx.io, summary);
    else {
      ctx.io.out(
        `${store.id} ${summary.mode} ${summary.from ?? ''}..${summary.to ?? ''}: fetched ${summary.fetched}, ` +
          `${summary.new} new, ${summary.updated} updated, ${summary.unchanged} unchanged\n`,
      );
      for (const [reason, n] of Object.entries(summary.skipped)) ctx.io.out(`  skipped ${n} (${reason})\n`);
      for (const w of summary.warnings) ctx.io.out(`  warning: ${w}\n`);
      for (const i of summary.incomplete) ctx.io.out(`  NOT fetched: ${i.scope}: ${i.reason} (the next sync retries)\n`);
    }
    return summary.incomplete.length ? 1 : 0;
  },
};

export const syncCommands = [syncOrders];
