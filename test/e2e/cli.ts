import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { E2E_DATA_DIR, E2E_SECRET } from './env';

/** Runs the real `signalwatch` bin against the e2e data dir (forwarded to the running app). */
export function signalwatch(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [resolve('bin/signalwatch.js'), ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, SIGNALWATCH_DATA_DIR: E2E_DATA_DIR, SIGNALWATCH_SECRET: E2E_SECRET, DATABASE_URL: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
