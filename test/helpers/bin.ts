import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const BIN = join(new URL('../../', import.meta.url).pathname, 'bin/signalwatch.js');

/** A running `signalwatch` process as users start it; its output so far, and its end. */
export interface SignalwatchProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startSignalwatch(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): SignalwatchProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: SignalwatchProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ code, signal }));
    }),
  };
  child.stdout.on('data', (chunk: Buffer) => (p.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (p.stderr += chunk.toString()));
  return p;
}
