/**
 * The embedded data dir: one process owns it (a lock file), and it holds the generated
 * secret key and the admin token the CLI uses to reach a running app.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface LockHolder {
  pid: number;
  role: 'server' | 'cli' | 'process';
  /** Where a running server answers the CLI (loopback admin endpoint). */
  port?: number;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The data dir ${dataDir} is in use by another Signalwatch process (pid ${holder.pid}, ${holder.role}` +
        `${holder.port ? `, port ${holder.port}` : ''}). Stop it, or use another SIGNALWATCH_DATA_DIR.`,
    );
    this.name = 'DataDirLockedError';
  }
}

const held = ((globalThis as { __signalwatchLocks?: Map<string, LockHolder> }).__signalwatchLocks ??= new Map());

export const lockPath = (dir: string) => join(resolve(dir), 'signalwatch.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(dir: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(lockPath(dir), 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

/** The live process holding the data dir, if it is not this one. */
export function otherLiveHolder(dir: string): LockHolder | null {
  const holder = readLock(dir);
  if (!holder || holder.pid === process.pid || !isAlive(holder.pid)) return null;
  return holder;
}

/**
 * Takes the data-dir lock for this process. A lock whose pid is dead is taken over with a
 * notice; a live holder raises DataDirLockedError. Re-entrant within a process.
 */
export function acquireDataDirLock(
  dir: string,
  info: Omit<LockHolder, 'pid' | 'startedAt'>,
  notice: (msg: string) => void = (m) => console.warn(m),
): void {
  const key = resolve(dir);
  mkdirSync(key, { recursive: true });
  const mine: LockHolder = { pid: process.pid, startedAt: new Date().toISOString(), ...info };
  if (held.has(key)) {
    // Re-entrant; a more specific role (the server, with its port) rewrites our own lock.
    if (info.role !== 'process') {
      writeFileSync(lockPath(key), JSON.stringify(mine));
      held.set(key, mine);
    }
    return;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lockPath(key), JSON.stringify(mine), { flag: 'wx' });
      held.set(key, mine);
      process.once('exit', () => releaseDataDirLock(key));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(key);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) throw new DataDirLockedError(key, holder);
    notice(
      `notice: taking over the data-dir lock of ${key}` +
        (holder ? ` left by pid ${holder.pid}, which is no longer running` : ' (unreadable lock file)'),
    );
    try {
      unlinkSync(lockPath(key));
    } catch {
      /* another process won the race; the next attempt sees its lock */
    }
  }
  throw new Error(`could not take the data-dir lock ${lockPath(key)}`);
}

export function releaseDataDirLock(dir: string): void {
  const key = resolve(dir);
  if (!held.delete(key)) return;
  try {
    if (readLock(key)?.pid === process.pid) unlinkSync(lockPath(key));
  } catch {
    /* already gone */
  }
}

/** A random value persisted once in the data dir with mode 0600 (secret key, admin token). */
export function persistentSecret(dir: string, file: string, bytes = 32): string {
  const path = join(resolve(dir), file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(resolve(dir), { recursive: true });
  const value = randomBytes(bytes).toString('base64url');
  try {
    writeFileSync(path, value + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
  chmodSync(path, 0o600);
  return value;
}

export const ADMIN_TOKEN_FILE = 'admin.token';
