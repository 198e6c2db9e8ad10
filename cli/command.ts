import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { DbHandle } from '@/db/client';
import type { CliIo } from './io';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  io: CliIo;
  /** Parsed --options (strings and booleans). */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Positional arguments after the command words. */
  args: string[];
  /** The process database, opened (and migrated) on first call. */
  db(): Promise<DbHandle>;
}

export interface Command {
  /** Command words, e.g. "store add". */
  name: string;
  summary: string;
  /** Usage line after `signalwatch <name>`. */
  usage: string;
  /** Extra help text: option meanings, examples. */
  help?: string;
  options?: Options;
  /** Opens the database; forwarded to a running app when the embedded data dir is taken. */
  needsDb: boolean;
  /** Reads stdin: forwarding sends it along to the running app. */
  readsStdin?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export class UsageError extends Error {}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as CommandContext['values'], args: positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Reads a required string option or throws a usage error naming it. */
export function requireOption(ctx: CommandContext, name: string): string {
  const v = ctx.values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export const optionalString = (ctx: CommandContext, name: string) => {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
};
