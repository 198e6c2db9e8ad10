/**
 * A write-behind queue for high-volume ingest (the browser beacon, the relay): rows are queued
 * in memory and written with one multi-row INSERT per batch, when a full batch is waiting
 * or at most `maxDelayMs` after the oldest queued row arrived, and on shutdown (`close()`).
 *
 * A failed write never loses rows: the batch goes back to the front of the queue and is retried
 * with backoff. The queue is bounded (`maxQueue`): when the database is down long enough to fill
 * it, `add()` refuses new rows (returns false) so the caller can answer 503 instead of accepting
 * what it cannot keep. Writes are serial: one batch in flight at a time.
 *
 * With `targetWriteMs` the batch size follows the measured write time instead of staying at
 * `maxBatch`: an embedded database (PGlite) runs each statement synchronously on this thread, so a
 * 500-row insert holds every request for its whole duration (~30-75 ms here) — the p99 of
 * /api/collect. Batches then hold about `targetWriteMs` of work (between minBatch and maxBatch rows).
 */

export interface BatchWriterOptions<T> {
  /** Writes one batch (e.g. a multi-row INSERT). Must be all-or-nothing: a throw means nothing was written. */
  write: (rows: T[]) => Promise<unknown>;
  /** Rows per INSERT; a full batch is written at once. Default 500. */
  maxBatch?: number;
  /**
   * Adapt the batch size so that one write takes about this long, learned from the writes so far.
   * For a database that blocks this thread while it writes (PGlite): the write's time is measured
   * as this process's CPU time, which is the time the event loop is held, without the noise of
   * other processes on the machine (wall time would shrink batches whenever the machine is busy,
   * and small batches cost more CPU per row). Default: off.
   */
  targetWriteMs?: number;
  /** Smallest adaptive batch (per-statement overhead makes tiny batches costly). Default 50. */
  minBatch?: number;
  /** Longest a row waits before its batch is written. Default 1000 ms. */
  maxDelayMs?: number;
  /** Rows held at most (queued + in flight); beyond it add() refuses. Default 100,000. */
  maxQueue?: number;
  /** First retry delay after a failed write; doubles up to maxRetryDelayMs. Defaults 250 / 10,000 ms. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Name for log lines. */
  name?: string;
  /** Called on each failed write (default: console.error). */
  onError?: (err: unknown, batchSize: number) => void;
}

export interface BatchWriterStats {
  /** Rows waiting (including a batch in flight). */
  queued: number;
  written: number;
  batches: number;
  failedWrites: number;
  /** Rows add() refused because the queue was full. */
  refused: number;
  lastError: string | null;
  lastFlushAt: Date | null;
  /** Rows a batch holds now (maxBatch unless targetWriteMs adapts it). */
  batchSize: number;
}

/** Weight of the newest write in the per-row time estimate. */
const LEARN_RATE = 0.3;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

export class BatchWriter<T> {
  private queue: T[] = [];
  private inFlight = 0;
  private oldestAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private retryDelay = 0;
  private closed = false;
  private readonly write: (rows: T[]) => Promise<unknown>;
  private readonly maxBatch: number;
  private readonly minBatch: number;
  private readonly targetWriteMs: number | undefined;
  /** Current rows per batch; maxBatch, or adapted to targetWriteMs. */
  private batchSize: number;
  /** Estimated ms per row of a write (including its share of the statement overhead). */
  private msPerRow = 0;
  private readonly maxDelayMs: number;
  private readonly maxQueue: number;
  private readonly retryBase: number;
  private readonly retryMax: number;
  private readonly name: string;
  private readonly onError: (err: unknown, batchSize: number) => void;
  private counters = { written: 0, batches: 0, failedWrites: 0, refused: 0 };
  private lastError: string | null = null;
  private lastFlushAt: Date | null = null;

  constructor(opts: BatchWriterOptions<T>) {
    this.write = opts.write;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 500);
    this.minBatch = Math.min(this.maxBatch, Math.max(1, opts.minBatch ?? 50));
    this.targetWriteMs = opts.targetWriteMs && opts.targetWriteMs > 0 ? opts.targetWriteMs : undefined;
    // Adaptive: start small and grow from measurements, so the first (cold) write is short too.
    this.batchSize = this.targetWriteMs ? this.minBatch : this.maxBatch;
    this.maxDelayMs = Math.max(0, opts.maxDelayMs ?? 1000);
    this.maxQueue = Math.max(this.maxBatch, opts.maxQueue ?? 100_000);
    this.retryBase = opts.retryDelayMs ?? 250;
    this.retryMax = opts.maxRetryDelayMs ?? 10_000;
    this.name = opts.name ?? 'batch-writer';
    this.onError =
      opts.onError ??
      ((err, n) => console.error(`[signalwatch] ${this.name}: writing ${n} rows failed, will retry:`, err instanceof Error ? err.message : err));
  }

  /** Queues a row. False when the queue is full or the writer closed (the caller should refuse the request). */
  add(row: T): boolean {
    if (this.closed || this.queue.length + this.inFlight >= this.maxQueue) {
      this.counters.refused++;
      return false;
    }
    if (this.queue.length === 0) this.oldestAt = Date.now();
    this.queue.push(row);
    if (this.queue.length >= this.batchSize && !this.running && this.retryDelay === 0) {
      this.clearTimer();
      // Let the rest of this tick's requests join the batch.
      this.timer = setTimeout(() => this.tick(), 0);
      this.timer.unref?.();
    } else this.schedule();
    return true;
  }

  /** Writes everything queued now; rejects (rows kept) if a write fails. */
  async flush(): Promise<void> {
    if (this.running) await this.running;
    this.clearTimer();
    let failure: unknown;
    this.running = this.drain().catch((err) => {
      failure = err;
    });
    try {
      await this.running;
    } finally {
      this.running = null;
      if (this.queue.length && !this.closed) this.schedule();
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Stops the timer and writes what is queued, retrying a failing write up to `attempts` times.
   * Rows that still cannot be written are reported (count in the log) and dropped: there is
   * nowhere else to keep them when the process ends.
   */
  async close(attempts = 5): Promise<BatchWriterStats> {
    this.closed = true;
    this.clearTimer();
    for (let i = 0; i < attempts && this.queue.length + this.inFlight > 0; i++) {
      try {
        await this.flush();
      } catch {
        if (i < attempts - 1) await new Promise((r) => setTimeout(r, Math.min(this.retryBase * 2 ** i, 2_000)));
      }
    }
    if (this.queue.length)
      console.error(`[signalwatch] ${this.name}: ${this.queue.length} rows could not be written before shutdown: ${this.lastError}`);
    return this.stats();
  }

  stats(): BatchWriterStats {
    return {
      queued: this.queue.length + this.inFlight,
      ...this.counters,
      lastError: this.lastError,
      lastFlushAt: this.lastFlushAt,
      batchSize: this.batchSize,
    };
  }

  /** Learns ms per row from a write and resizes batches to targetWriteMs. */
  private learn(rows: number, ms: number) {
    // A partial batch (the delay timer at low traffic) is mostly statement overhead: not representative.
    if (!this.targetWriteMs || rows < this.batchSize) return;
    const perRow = ms / rows;
    this.msPerRow = this.msPerRow === 0 ? perRow : this.msPerRow + LEARN_RATE * (perRow - this.msPerRow);
    const size = Math.floor(this.targetWriteMs / Math.max(this.msPerRow, 1e-6));
    this.batchSize = Math.min(this.maxBatch, Math.max(this.minBatch, size));
  }

  private clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Arms the timer for the oldest row's deadline (or the retry backoff). */
  private schedule() {
    if (this.timer || this.running || this.queue.length === 0 || this.closed) return;
    const due = this.retryDelay > 0 ? this.retryDelay : Math.max(0, this.oldestAt + this.maxDelayMs - Date.now());
    this.timer = setTimeout(() => this.tick(), due);
    this.timer.unref?.();
  }

  private tick() {
    this.timer = null;
    if (this.running) return;
    this.running = this.drain()
      .then(
        () => {
          this.retryDelay = 0;
        },
        () => {
          this.retryDelay = Math.min(Math.max(this.retryDelay * 2, this.retryBase), this.retryMax);
        },
      )
      .finally(() => {
        this.running = null;
        this.schedule();
      });
  }

  /** Writes batches of at most batchSize rows until the queue is empty; the first failure stops it. */
  private async drain(): Promise<void> {
    for (let first = true; this.queue.length > 0; first = false) {
      // Let pending I/O run between back-to-back batches: an embedded database (PGlite) does
      // its work on this thread, and requests must not wait behind a whole backlog.
      if (!first) await new Promise((r) => setImmediate(r));
      const batch = this.queue.length <= this.batchSize ? this.queue : this.queue.slice(0, this.batchSize);
      this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
      this.inFlight = batch.length;
      try {
        const cpu = this.targetWriteMs ? process.cpuUsage() : undefined;
        await this.write(batch);
        if (cpu) this.learn(batch.length, cpuMs(process.cpuUsage(cpu)));
        this.counters.written += batch.length;
        this.counters.batches++;
        this.lastFlushAt = new Date();
      } catch (err) {
        this.counters.failedWrites++;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.onError(err, batch.length);
        // Back to the front, in order, ahead of rows that arrived meanwhile.
        this.queue = this.queue.length ? batch.concat(this.queue) : batch;
        this.oldestAt = Date.now() - this.maxDelayMs;
        throw err;
      } finally {
        this.inFlight = 0;
      }
    }
  }
}
