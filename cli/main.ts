/** The `signalwatch` command's process entry. */
import { closeDatabase, database } from '@/lib/config/database';
import { env, EnvError } from '@/lib/config/env';
import { otherLiveHolder, releaseDataDirLock } from '@/lib/config/datadir';
import { forwardToServer } from './forward';
import { processIo } from './io';
import { findCommand, runCli } from './run';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const io = processIo();
  const { command } = findCommand(argv);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (command?.needsDb && !wantsHelp) {
    let config;
    try {
      config = env();
    } catch (err) {
      if (err instanceof EnvError) {
        io.err(`error: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    if (!config.DATABASE_URL) {
      const holder = otherLiveHolder(config.SIGNALWATCH_DATA_DIR);
      if (holder?.role === 'server' && holder.port) {
        const stdin = command.readsStdin ? await io.readStdin() : undefined;
        return forwardToServer(config.SIGNALWATCH_DATA_DIR, holder, argv, io, stdin);
      }
    }
  }
  try {
    return await runCli(argv, io, database);
  } finally {
    await closeDatabase();
    try {
      releaseDataDirLock(env().SIGNALWATCH_DATA_DIR);
    } catch {
      /* env was invalid: no lock was taken */
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
