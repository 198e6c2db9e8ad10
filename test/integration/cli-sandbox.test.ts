/**
 * `signalwatch sandbox tiktok|shopify`: the printed instructions really point a store at the fakes,
 * and the real command stays up until SIGINT/SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixelIdFor, startShopifySandbox, startTikTokSandbox, type RunningSandbox } from '@/cli/commands/sandbox';
import { bufferIo } from '@/cli/io';
import { runCli } from '@/cli/run';
import { resetEnvCache } from '@/lib/config/env';
import { startSignalwatch } from '../helpers/bin';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';


/** Splits a printed shell command into words (single quotes only, as the instructions use). */
const shellWords = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

describe.each(testTargets())('sandbox instructions work against a store on %s', (target) => {
  let t: TestDatabase;
  const running: RunningSandbox[] = [];
  const previousBaseUrl = process.env.TIKTOK_API_BASE_URL;

  async function cli(argv: string[], stdin = '') {
    const io = bufferIo(stdin);
    const code = await runCli(argv, io, () => Promise.resolve(t));
    return { code, stdout: io.stdout, stderr: io.stderr };
  }

  beforeAll(async () => {
    t = await createTestDatabase(target);
  }, 180_000);
  afterAll(async () => {
    for (const sandbox of running) await sandbox.close();
    if (previousBaseUrl === undefined) delete process.env.TIKTOK_API_BASE_URL;
    else process.env.TIKTOK_API_BASE_URL = previousBaseUrl;
    resetEnvCache();
    await t?.cleanup();
  });

  it('sandbox tiktok: the printed commands make `sync tiktok` read the fake', async () => {
    const sandbox = await startTikTokSandbox({ port: 0, pixelCode: 'CSANDBOXTEST01', marketingToken: "mk token 'quoted'" });
    running.push(sandbox);
    const lines = sandbox.instructions.split('\n');
    expect(lines[0]).toBe(`Fake TikTok API on ${sandbox.url}`);
    const pixels = (await (await fetch(`${sandbox.url}/sandbox/pixels`)).json()) as { pixels: unknown[] };
    expect(pixels.pixels).toEqual([
      expect.objectContaining({ pixelCode: 'CSANDBOXTEST01', pixelId: pixelIdFor('CSANDBOXTEST01'), advertiserId: '7000000000000000001' }),
    ]);
    expect(pixelIdFor('CSANDBOXTEST01')).toMatch(/^\d{19}$/);

    // Follow the instructions, with STORE replaced.
    const exportLine = lines.find((l) => l.includes('export TIKTOK_API_BASE_URL='))!;
    process.env.TIKTOK_API_BASE_URL = /TIKTOK_API_BASE_URL=(\S+)/.exec(exportLine)![1];
    resetEnvCache();
    expect((await cli(['store', 'add', '--name', 'Try It', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'USD'])).code).toBe(0);
    const setLine = lines.find((l) => l.includes('signalwatch store set STORE'))!;
    const assignments = setLine.trim().split(/\s+/).slice(4);
    expect((await cli(['store', 'set', 'try-it', ...assignments])).code).toBe(0);
    const tokenLine = lines.find((l) => l.includes('tiktok_marketing_token'))!;
    expect(tokenLine).toContain(`printf %s 'mk token '\\''quoted'\\''' | signalwatch store secret STORE tiktok_marketing_token`);
    expect((await cli(['store', 'secret', 'try-it', 'tiktok_marketing_token'], "mk token 'quoted'")).code).toBe(0);

    const today = new Date().toISOString().slice(0, 10);
    const sync = await cli(['sync', 'tiktok', '--store', 'try-it', '--from', today, '--to', today, '--json']);
    expect(sync.stderr).not.toMatch(/error/);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ fetched: 1, failed_days: [] });
  });

  it('sandbox shopify: the printed commands make `sync orders` read the fake', async () => {
    const sandbox = await startShopifySandbox({ port: 0 });
    running.push(sandbox);
    const text = sandbox.instructions;
    expect(text.split('\n')[0]).toBe(`Fake Shopify Admin API on ${sandbox.url}`);
    const addCommand = /signalwatch store add (.*?) \\\n\s+(.*)\n/.exec(text)!;
    const argv = shellWords(`${addCommand[1]} ${addCommand[2]}`);
    expect(argv).toEqual(expect.arrayContaining(['--shop-domain', 'signalwatch-sandbox.myshopify.com', '--base-url', sandbox.url]));
    expect((await cli(['store', 'add', ...argv])).code).toBe(0);
    const token = /printf %s (\S+) \| signalwatch store secret sandbox-shop shopify_access_token/.exec(text)![1]!;
    expect((await cli(['store', 'secret', 'sandbox-shop', 'shopify_access_token'], token)).code).toBe(0);

    const seeded = await fetch(`${sandbox.url}/__sandbox/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ processedAt: new Date(Date.now() - 3600_000).toISOString(), total: '49.90' }]),
    });
    expect(seeded.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const sync = await cli(['sync', 'orders', '--store', 'sandbox-shop', '--from', yesterday, '--to', today, '--json']);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ fetched: 1, new: 1 });
  });

  it('a busy port is a clear error (exit 1), bad options are usage errors (exit 2)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = await cli(['sandbox', 'tiktok', '--port', String(port)]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(new RegExp(`port ${port} is already in use`));
      expect((await cli(['sandbox', 'shopify', '--port', String(port)])).code).toBe(1);
    } finally {
      blocker.close();
    }
    expect((await cli(['sandbox', 'tiktok', '--port', 'abc'])).code).toBe(2);
    expect((await cli(['sandbox', 'tiktok', '--pixel', 'not-a-code'])).code).toBe(2);
    expect((await cli(['sandbox', 'tiktok', '--advertiser', 'x1'])).code).toBe(2);
  });
});

describe('the sandbox commands in a real process', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sw-sandbox-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Starts `signalwatch sandbox <kind>`, waits for its instructions, then sends `signal`. */
  async function runUntilSignal(args: string[], signal: NodeJS.Signals, probePath: string) {
    const p = startSignalwatch(['sandbox', ...args], { cwd: dataDir, env: { ...process.env, SIGNALWATCH_DATA_DIR: dataDir, DATABASE_URL: '' } });
    const { child } = p;
    try {
      const started = Date.now();
      while (!p.stdout.includes('Stop with Ctrl+C.')) {
        if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}): ${p.stderr}`);
        if (Date.now() - started > 45_000) throw new Error(`no instructions after 45 s; stderr: ${p.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const url = /on (http:\/\/\S+)/.exec(p.stdout)![1]!;
      const probe = await fetch(url + probePath);
      // Still serving after the instructions: the command did not return.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(child.exitCode).toBeNull();
      child.kill(signal);
      const { code } = await p.exited;
      return { code, stdout: p.stdout, stderr: p.stderr, probeStatus: probe.status };
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }

  it('sandbox tiktok serves until SIGINT, then exits 0', async () => {
    const r = await runUntilSignal(['tiktok', '--port', '0', '--pixel', 'CSPAWNPIXEL01'], 'SIGINT', '/sandbox/pixels');
    expect(r.probeStatus).toBe(200);
    expect(r.stdout).toContain('pixel CSPAWNPIXEL01');
    expect(r.stderr).toContain('Stopped (SIGINT).');
    expect(r.code).toBe(0);
  });

  it('sandbox shopify serves until SIGTERM, then exits 0', async () => {
    const r = await runUntilSignal(['shopify', '--port', '0'], 'SIGTERM', '/__sandbox/orders');
    expect(r.probeStatus).toBe(200);
    expect(r.stderr).toContain('Stopped (SIGTERM).');
    expect(r.code).toBe(0);
  });
});
