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

  describe('targetWriteMs (a database that blocks this thread: PGlite)', () => {
    /** A write that holds the thread for `msPerRow` of CPU per row, like a synchronous insert. */
    function cpuBoundWriter(msPerRow: number) {
      const sizes: number[] = [];
      const rows: number[] = [];
      const write = async (batch: number[]) => {
        sizes.push(batch.length);
        rows.push(...batch);
        const start = process.cpuUsage();
        const spent = () => {
          const u = process.cpuUsage(start);
          return (u.user + u.system) / 1000;
        };
        while (spent() < batch.length * msPerRow);
      };
      return { sizes, rows, write };
    }

    it('starts at minBatch and grows batches until a write takes about targetWriteMs', async () => {
      const r = cpuBoundWriter(0.05); // 50 µs per row: a 4 ms target is ~80 rows
      const w = new BatchWriter<number>({ write: r.write, maxBatch: 500, minBatch: 10, targetWriteMs: 4, maxDelayMs: 10_000 });
      expect(w.stats().batchSize).toBe(10);
      for (let i = 0; i < 3000; i++) w.add(i); // a backlog: drained in full batches
      await w.flush();
      expect(r.sizes[0]).toBe(10);
      const settled = w.stats().batchSize;
      expect(settled).toBeGreaterThanOrEqual(40);
      expect(settled).toBeLessThanOrEqual(100);
      expect(Math.max(...r.sizes)).toBeLessThanOrEqual(110);
      expect(r.rows).toEqual(Array.from({ length: 3000 }, (_, i) => i)); // each row once, in order
      await w.close();
    });

    it('stays within minBatch and maxBatch', async () => {
      const slow = cpuBoundWriter(0.5); // 2 ms target / 0.5 ms per row = 4 rows: clamped to minBatch
      const ws = new BatchWriter<number>({ write: slow.write, maxBatch: 500, minBatch: 20, targetWriteMs: 2, maxDelayMs: 10_000 });
      for (let i = 0; i < 200; i++) ws.add(i);
      await ws.flush();
      expect(ws.stats().batchSize).toBe(20);
      expect(slow.sizes.every((n) => n === 20)).toBe(true);
      await ws.close();

      const fast = cpuBoundWriter(0); // near-free writes: capped at maxBatch
      const wf = new BatchWriter<number>({ write: fast.write, maxBatch: 100, minBatch: 10, targetWriteMs: 50, maxDelayMs: 10_000 });
      for (let i = 0; i < 1000; i++) wf.add(i);
      await wf.flush();
      expect(wf.stats().batchSize).toBe(100);
      expect(Math.max(...fast.sizes)).toBe(100);
      await wf.close();
    });

    it('learns nothing from a partial batch written by the delay timer', async () => {
      // Learning from 2 rows at 0.01 ms each would grow batches to maxBatch (10 ms / 0.01 ms).
      const r = cpuBoundWriter(0.01);
      const w = new BatchWriter<number>({ write: r.write, maxBatch: 500, minBatch: 50, targetWriteMs: 10, maxDelayMs: 5 });
      w.add(1);
      w.add(2);
      await sleep(30);
      expect(r.sizes).toEqual([2]);
      expect(w.stats().batchSize).toBe(50);
      await w.close();
    });

    it('is off by default: batches stay at maxBatch', async () => {
      const r = cpuBoundWriter(0.05);
      const w = new BatchWriter<number>({ write: r.write, maxBatch: 30, maxDelayMs: 10_000 });
      for (let i = 0; i < 90; i++) w.add(i);
      await w.flush();
      expect(r.sizes).toEqual([30, 30, 30]);
      expect(w.stats().batchSize).toBe(30);
      await w.close();
    });

    it('loses and repeats nothing through failures while resizing', async () => {
      let fail = 3;
      const written: number[] = [];
      const w = new BatchWriter<number>({
        write: async (batch) => {
          const start = Date.now();
          while (Date.now() - start < 1);
          if (fail-- > 0 && batch.length > 5) throw new Error('database unavailable');
          written.push(...batch);
        },
        maxBatch: 200,
        minBatch: 5,
        targetWriteMs: 2,
        maxDelayMs: 2,
        retryDelayMs: 1,
        onError: () => {},
      });
      for (let i = 0; i < 1000; i++) {
        expect(w.add(i)).toBe(true);
        if (i % 97 === 0) await sleep(1);
      }
      const stats = await w.close();
      expect(written).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(stats).toMatchObject({ queued: 0, written: 1000 });
    });
  });
});
