/**
 * Runs one CLI invocation against an io and a database opener. The same function serves the
 * terminal and a running app (which executes forwarded commands in-process).
 */
import type { DbHandle } from '@/db/client';
import { AppError } from '@/lib/http/errors';
import { EnvError } from '@/lib/config/env';
import { DataDirLockedError } from '@/lib/config/datadir';
import { parseCommandArgs, UsageError, type Command } from './command';
import { commands, findCommand } from './registry';
import type { CliIo } from './io';

export function usageText(command?: Command): string {
  if (command) {
    return `Usage: signalwatch ${command.name} ${command.usage}\n\n${command.summary}.\n${command.help ? `\n${command.help}\n` : ''}`;
  }
  const width = Math.max(...commands.map((c) => c.name.length));
  return (
    'Usage: signalwatch <command> [options]\n\nCommands:\n' +
    commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n') +
    '\n\nRun `signalwatch <command> --help` for its options.\n'
  );
}

export async function runCli(argv: string[], io: CliIo, openDb: () => Promise<DbHandle>): Promise<number> {
  const { command, rest, words } = findCommand(argv);
  if (!command) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.out(usageText());
      return 0;
    }
    io.err(`signalwatch: unknown command "${words.join(' ') || argv[0]}"\n\n${usageText()}`);
    return 2;
  }
  try {
    const { values, args } = parseCommandArgs(command, rest);
    if (values.help) {
      io.out(usageText(command));
      return 0;
    }
    return await command.run({ io, values, args, db: openDb });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`signalwatch ${command.name}: ${err.message}\nUsage: signalwatch ${command.name} ${command.usage}\n`);
      return 2;
    }
    if (err instanceof AppError || err instanceof EnvError || err instanceof DataDirLockedError) {
      io.err(`error: ${err.message}\n`);
      return 1;
    }
    io.err(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

export { findCommand };
