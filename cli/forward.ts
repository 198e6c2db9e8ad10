/**
 * While the app owns the embedded data dir, CLI commands run inside it: the CLI sends its
 * argv (and stdin) to the app's loopback admin endpoint and streams back output and exit code.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ADMIN_TOKEN_FILE, type LockHolder } from '@/lib/config/datadir';
import type { CliIo } from './io';

export const ADMIN_CLI_PATH = '/_signalwatch/cli';
export const ADMIN_TOKEN_HEADER = 'x-signalwatch-admin-token';

export type ForwardFrame = { o: string } | { e: string } | { exit: number };

export async function forwardToServer(
  dataDir: string,
  holder: LockHolder,
  argv: string[],
  io: CliIo,
  stdin?: string,
): Promise<number> {
  let token: string;
  try {
    token = readFileSync(join(resolve(dataDir), ADMIN_TOKEN_FILE), 'utf8').trim();
  } catch {
    io.err(`error: the app (pid ${holder.pid}) holds ${dataDir} but its admin token is unreadable\n`);
    return 1;
  }
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${holder.port}${ADMIN_CLI_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ADMIN_TOKEN_HEADER]: token },
      body: JSON.stringify({ argv, stdin }),
    });
  } catch (err) {
    io.err(`error: the app (pid ${holder.pid}) holds ${dataDir} but does not answer on port ${holder.port}: ${(err as Error).message}\n`);
    return 1;
  }
  if (!res.ok || !res.body) {
    io.err(`error: the running app refused the command (HTTP ${res.status}): ${await res.text()}\n`);
    return 1;
  }
  let exit = 1;
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const frame = JSON.parse(buffered.slice(0, nl)) as ForwardFrame;
      buffered = buffered.slice(nl + 1);
      if ('o' in frame) io.out(frame.o);
      else if ('e' in frame) io.err(frame.e);
      else exit = frame.exit;
    }
  }
  return exit;
}
