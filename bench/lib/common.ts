/**
 * Shared bench helpers: scratch Postgres databases, child servers, timing and formatting.
 * Benchmarks print figures and ratios against a baseline measured in the same run; they never
 * assert timings (DESIGN.md §7).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where scratch databases are created (a local Postgres only: the bench creates and drops databases). */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Fixed credentials-encryption key for the bench process and the app it starts (never a real one). */
export const BENCH_SECRET = 'signalwatch-bench-secret-0123456789abcdef';

/** Call before anything reads lib/config/env: the app's env is read once per process. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-bench-data-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const vars = { SIGNALWATCH_SECRET: BENCH_SECRET, SIGNALWATCH_DATA_DIR: dataDir, SIGNALWATCH_SCHEDULER: 'off', NEXT_TELEMETRY_DISABLED: '1', ...extra };
  Object.assign(process.env, vars);
  return vars;
}

/** The URL of database `name` on the bench's Postgres server. */
export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface ScratchDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const scratch = new Set<ScratchDb>();

export async function createScratchDb(prefix: string): Promise<ScratchDb> {
  const admin = new URL(ADMIN_URL);
  if (!LOCAL_HOSTS.has(admin.hostname)) throw new Error(`BENCH_DATABASE_URL must be a local Postgres (got ${admin.hostname})`);
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database ${name}`);
  await sql.end();
  const db: ScratchDb = {
    name,
    url: databaseUrl(name),
    async drop() {
      scratch.delete(db);
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
  scratch.add(db);
  return db;
}

/** Leaves a scratch database in place (not dropped by dropAllScratch). */
export function keepScratch(db: ScratchDb): void {
  scratch.delete(db);
}

/** Drops every scratch database still open (on error or Ctrl-C). */
export async function dropAllScratch(): Promise<void> {
  await Promise.all([...scratch].map((d) => d.drop().catch(() => {})));
}

export async function postgresVersion(): Promise<string> {
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const [row] = await sql<{ server_version: string }[]>`show server_version`;
  await sql.end();
  return row!.server_version;
}

/** A server in a child process (so its event loop does not share a core with the load generator). */
export interface ChildServer {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * BENCH_CHILD_CPU_PROF=<dir> writes a V8 CPU profile of every child server into <dir> (open it in
 * Chrome DevTools or `npx tsx bench/lib/cpuprofile-top.ts <file>`).
 */
export async function startChild(script: string, env: Record<string, string>, args: string[] = []): Promise<ChildServer> {
  const profDir = process.env.BENCH_CHILD_CPU_PROF;
  const child = fork(script, args, {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script}: no port within 120 s`)), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before listening`));
    });
    child.on('message', (m: unknown) => {
      const msg = m as { port?: number };
      if (typeof msg.port === 'number') {
        clearTimeout(timer);
        resolve(msg.port);
      }
    });
  });
  return {
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ stop: true });
      }),
  };
}

/** In a child: tell the parent the port, and stop cleanly when asked. */
export function childReady(port: number, stop: () => Promise<void>): void {
  process.on('message', (m: unknown) => {
    if ((m as { stop?: boolean }).stop) void stop().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
  process.send!({ port });
}

/** The Next build the app serves; built once when missing (warns when older than the sources). */
export function ensureNextBuild(): void {
  const buildId = join(ROOT, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) {
    console.log('No .next build: running `npx next build` once…');
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    return;
  }
  const builtAt = statSync(buildId).mtime;
  console.log(`  (using the Next build of ${builtAt.toISOString()}; rebuild with \`npx next build\` if app/ or lib/ changed since)`);
}

export const now = () => performance.now();

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtMs = (n: number) => `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n)} ms`;
export const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const fmtRatio = (r: number) => `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;

/** Deterministic PRNG (mulberry32) so every run generates the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function heading(title: string): void {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 76 - title.length))}`);
}

/** Prints a small aligned table. */
export function table(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const r of cells) console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

// ---------------------------------------------------------------------------------------------
// CPU accounting: this machine is shared, so wall-clock rates move with the load; CPU time per
// unit of work (ours and the Postgres backends serving our scratch database) does not.
// ---------------------------------------------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** user+system CPU of a process in ms (Linux /proc), or 0 when it is gone. */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU ms of every Postgres backend connected to `database`, by pid. */
export async function pgBackendCpu(database: string): Promise<Map<number, number>> {
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
    return new Map(rows.map((r) => [r.pid, procCpuMs(r.pid)]));
  } finally {
    await sql.end();
  }
}

/** Postgres CPU ms spent for `database` between two pgBackendCpu() samples (new backends count from 0). */
export function pgCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? 0);
  return ms;
}

/** Samples our CPU, a child's and the database's around `fn`. */
export async function withCpu<T>(database: string, childPid: number | undefined, fn: () => Promise<T>): Promise<{ result: T; wallMs: number; selfCpuMs: number; childCpuMs: number; pgCpuMs: number }> {
  const pg0 = await pgBackendCpu(database);
  const child0 = childPid ? procCpuMs(childPid) : 0;
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  const self = process.cpuUsage(self0);
  const childCpuMs = childPid ? procCpuMs(childPid) - child0 : 0;
  const pg1 = await pgBackendCpu(database);
  return { result, wallMs, selfCpuMs: (self.user + self.system) / 1000, childCpuMs, pgCpuMs: pgCpuDelta(pg0, pg1) };
}

/** 1-, 5- and 15-minute load averages, to read wall-clock figures against. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** The code being measured: commit, and whether the working tree differs from it. */
export function gitState(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
    return `git ${head}${dirty ? ` + ${dirty} modified file(s)` : ''}`;
  } catch {
    return 'git unknown';
  }
}

export async function machineLine(): Promise<string> {
  return `${gitState()}; Node ${process.version}, ${cpus().length} cores, Postgres ${await postgresVersion()}, load average ${loadAverage()}`;
}
