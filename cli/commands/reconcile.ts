import { computeHealth, formatHealthReport, saveSnapshot } from '@/lib/health';
import type { Command } from '../command';
import { storeAndWindow, windowOptions } from '../dates';
import { printJson } from '../io';

export const reconcile: Command = {
  name: 'reconcile',
  summary: "Reconcile a store's orders against what TikTok counted, for whole UTC days",
  usage: '--store S --from YYYY-MM-DD --to YYYY-MM-DD [--json] [--save]',
  help:
    '--to is inclusive. --json prints one object (rates are fractions 0–1, null where undefined).\n' +
    '--save stores the result as an ad-hoc snapshot. Windows ending less than 72 h ago are provisional.',
  options: { store: { type: 'string' }, ...windowOptions, json: { type: 'boolean' }, save: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db, store, window: w } = await storeAndWindow(ctx);
    const storeId = store.id;
    const report = await computeHealth(db, { storeId, from: w.from, to: w.to });
    if (ctx.values.save) await saveSnapshot(db, { storeId, kind: 'adhoc', from: w.from, to: w.to, report });
    if (ctx.values.json) printJson(ctx.io, report);
    else ctx.io.out(formatHealthReport(report) + (ctx.values.save ? '\nSaved as an ad-hoc snapshot.\n' : ''));
    return 0;
  },
};
