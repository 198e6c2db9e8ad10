import { describe, expect, it, vi } from 'vitest';
import { BatchWriter } from '@/lib/ingest/batch-writer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(opts: { failTimes?: number; delayMs?: number } = {}) {
  const batches: number[][] = [];
  let failures = opts.failTimes ?? 0;
  const write = vi.fn(async (rows: number[]) => {
    if (opts.delayMs) await sleep(opts.delayMs);
    if (failures > 0) {
      failures--;
      throw new Error('database unavailable');
    }
    batches.push([...rows]);
  });
  return { batches, write };
}

describe('BatchWriter', () => {
  it('writes a full batch at once, in one write per batch', async () => {
    const r = recorder();
    const w = new BatchWriter<number>({ write: r.write, maxBatch: 3, maxDelayMs: 10_000 });
    for (let i = 0; i < 7; i++) w.add(i);
    await sleep(20);
    // Rows added in the same tick join the batch; batches never exceed maxBatch.
    expect(r.batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6],
    ]);
    expect(w.stats()).toMatchObject({ queued: 0, written: 7, batches: 3, failedWrites: 0 });
    await w.close();
  });

  it('writes a partial batch within maxDelayMs', async () => {
    const r = recorder();
    const w = new BatchWriter<number>({ write: r.write, maxBatch: 100, maxDelayMs: 50 });
    w.add(1);
    await sleep(10);
    w.add(2);
    expect(r.batches).toEqual([]);
    await sleep(80);
    expect(r.batches).toEqual([[1, 2]]);
    await w.close();
  });

  it('flush() writes everything now', async () => {
    const r = recorder();
    const w = new BatchWriter<number>({ write: r.write, maxBatch: 2, maxDelayMs: 10_000 });
    w.add(1);
    await w.flush();
    expect(r.batches).toEqual([[1]]);
    await w.flush(); // nothing queued: no write
    expect(r.write).toHaveBeenCalledTimes(1);
    await w.close();
  });

  it('keeps rows through failed writes and retries them first, in order', async () => {
    const r = recorder({ failTimes: 2 });
    const errors: number[] = [];
    const w = new BatchWriter<number>({
      write: r.write,
      maxBatch: 10,
      maxDelayMs: 5,
      retryDelayMs: 10,
      onError: (_e, n) => errors.push(n),
    });
    w.add(1);
    w.add(2);
    await sleep(12); // first attempt fails
    w.add(3);
    await expect(w.flush()).rejects.toThrow('database unavailable'); // second attempt fails too
    expect(w.stats()).toMatchObject({ queued: 3, failedWrites: 2, written: 0, lastError: 'database unavailable' });
    await sleep(60); // the backoff retry succeeds
    expect(r.batches).toEqual([[1, 2, 3]]);
    expect(errors).toEqual([2, 3]);
    expect(w.stats()).toMatchObject({ queued: 0, written: 3 });
    await w.close();
  });

  it('refuses rows beyond maxQueue instead of losing them later', async () => {
    const r = recorder({ failTimes: 1_000 });
    const w = new BatchWriter<number>({ write: r.write, maxBatch: 2, maxQueue: 4, maxDelayMs: 10_000, retryDelayMs: 10_000, onError: () => {} });
    expect([1, 2, 3, 4, 5].map((i) => w.add(i))).toEqual([true, true, true, true, false]);
    expect(w.stats()).toMatchObject({ refused: 1 });
    await w.close(1).catch(() => {});
  });

  it('close() flushes what is queued and then refuses new rows', async () => {
    const r = recorder({ delayMs: 5 });
    const w = new BatchWriter<number>({ write: r.write, maxBatch: 100, maxDelayMs: 10_000 });
    w.add(1);
    w.add(2);
    const stats = await w.close();
    expect(r.batches).toEqual([[1, 2]]);
    expect(stats).toMatchObject({ queued: 0, written: 2 });
    expect(w.add(3)).toBe(false);
  });

  it('close() retries a failing write before giving up', async () => {
    const r = recorder({ failTimes: 2 });
    const w = new BatchWriter<number>({ write: r.write, maxBatch: 100, maxDelayMs: 10_000, retryDelayMs: 1, onError: () => {} });
    w.add(1);
    await w.close();
    expect(r.batches).toEqual([[1]]);
  });

  it('only one write is in flight at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const w = new BatchWriter<number>({
      write: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(5);
        inFlight--;
      },
      maxBatch: 2,
      maxDelayMs: 1,
    });
    for (let i = 0; i < 20; i++) {
      w.add(i);
      if (i % 3 === 0) await sleep(1);
    }
    await w.close();
    expect(maxInFlight).toBe(1);
    expect(w.stats().written).toBe(20);
  });
});
