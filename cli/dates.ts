import { requireStore } from '@/lib/stores';
import { requireOption, UsageError, type CommandContext } from './command';

const DAY_MS = 86_400_000;

/** A YYYY-MM-DD UTC date, validated (2026-02-30 is refused). */
export function parseDay(value: string, option: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) : undefined;
  if (!d || d.toISOString().slice(0, 10) !== value) throw new UsageError(`--${option} must be a UTC date YYYY-MM-DD (got "${value}")`);
  return d;
}

export const formatDay = (d: Date) => d.toISOString().slice(0, 10);

export interface DayWindow {
  from: string;
  to: string;
  start: Date;
  /** Exclusive: the day after --to. */
  end: Date;
}

/** --from/--to, both inclusive UTC days; defaults fill either side (e.g. the last N days). */
export function dayWindow(ctx: CommandContext, defaults?: { days: number; now?: Date }): DayWindow {
  const fromOpt = typeof ctx.values.from === 'string' ? ctx.values.from : undefined;
  const toOpt = typeof ctx.values.to === 'string' ? ctx.values.to : undefined;
  const today = new Date(Math.floor((defaults?.now ?? new Date()).getTime() / DAY_MS) * DAY_MS);
  if ((!fromOpt || !toOpt) && !defaults) throw new UsageError('--from and --to are required (UTC dates, both inclusive)');
  const to = toOpt ? parseDay(toOpt, 'to') : today;
  const from = fromOpt ? parseDay(fromOpt, 'from') : new Date(to.getTime() - ((defaults?.days ?? 1) - 1) * DAY_MS);
  if (from > to) throw new UsageError(`--from (${formatDay(from)}) is after --to (${formatDay(to)})`);
  return { from: formatDay(from), to: formatDay(to), start: from, end: new Date(to.getTime() + DAY_MS) };
}

export const windowOptions = { from: { type: 'string' }, to: { type: 'string' } } as const;

/** The `--store S --from D --to D` preamble of the windowed commands: options checked before the database opens. */
export async function storeAndWindow(ctx: CommandContext) {
  const storeId = requireOption(ctx, 'store');
  const window = dayWindow(ctx);
  const { db } = await ctx.db();
  const store = await requireStore(db, storeId);
  return { db, store, window };
}
