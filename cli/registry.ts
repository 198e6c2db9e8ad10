import type { Command } from './command';
import { basicCommands } from './commands/basics';
import { storeCommands } from './commands/store';
import { orderCommands } from './commands/orders';
import { syncCommands } from './commands/sync';
import { tiktokCommands } from './commands/tiktok';
import { sandboxCommands } from './commands/sandbox';
import { jobCommands } from './commands/jobs';
import { reconcile } from './commands/reconcile';
import { outboxCommands } from './commands/outbox';

export const commands: Command[] = [
  ...storeCommands,
  ...orderCommands,
  ...syncCommands,
  ...tiktokCommands,
  reconcile,
  ...jobCommands,
  ...outboxCommands,
  ...sandboxCommands,
  ...basicCommands,
];

/** The command named by argv's leading words (longest match), and the arguments after them. */
export function findCommand(argv: string[]): { command?: Command; rest: string[]; words: string[] } {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let best: Command | undefined;
  for (const c of commands) {
    const parts = c.name.split(' ');
    if ((!best || parts.length > best.name.split(' ').length) && parts.every((p, i) => words[i] === p)) best = c;
  }
  const used = best ? best.name.split(' ').length : 0;
  return { command: best, rest: argv.slice(used), words };
}
