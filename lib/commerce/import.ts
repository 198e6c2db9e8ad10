/** Bulk order import shared by the JSON API and CSV: validate rows, keep the good, report the bad. */
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import type { Db } from '@/db/client';
import type { Store } from '@/db/queries/stores';
import { AppError } from '@/lib/http/errors';
import { parseGenericOrder, parseGenericOrders, REQUIRED_ORDER_COLUMNS, GENERIC_ORDER_COLUMNS, type RowError } from './generic';
import { upsertOrders, type NewOrderRow } from '@/db/queries/orders';
import { ingestOrders, newestPerOrder, toOrderRow, type IngestSummary } from './ingest';
import type { OrderSource } from './types';

export const MAX_ORDERS_PER_REQUEST = 5_000;

export interface ImportResult extends Omit<IngestSummary, 'received'> {
  received: number;
  accepted: number;
  rejected: RowError[];
}

export async function importOrderRows(
  db: Db,
  store: Pick<Store, 'id' | 'phoneCountry'>,
  rows: unknown[],
  opts: { source: OrderSource; max?: number; indexBase?: number },
): Promise<ImportResult> {
  if (opts.max && rows.length > opts.max)
    throw new AppError('payload_too_large', `at most ${opts.max} orders per request (got ${rows.length}); split the batch`);
  const { good, bad } = parseGenericOrders(rows, opts.indexBase ?? 0);
  const summary = await ingestOrders(db, store, good, opts.source);
  return { ...summary, received: rows.length, accepted: good.length, rejected: bad };
}

const CSV_BATCH = 2_000;

/**
 * Streams a CSV file into orders in one transaction. A file missing required columns or with a
 * malformed line imports nothing; rows that fail validation are reported by row number and the
 * good rows kept. Re-importing the same file changes nothing.
 */
export async function importOrdersCsv(
  db: Db,
  store: Pick<Store, 'id' | 'phoneCountry'>,
  path: string,
  onProgress?: (rowsDone: number, bytesDone: number, bytesTotal: number) => void,
): Promise<ImportResult> {
  let bytesTotal: number;
  try {
    bytesTotal = statSync(path).size;
  } catch (err) {
    throw new AppError('bad_request', `cannot read ${path}: ${(err as Error).message}`);
  }
  const input = createReadStream(path);
  let missing: string[] = [];
  const parser = input.pipe(
    parse({
      // Throwing here would escape the stream as an uncaught error: note it, check below.
      columns: (header: string[]) => {
        const cols = header.map((h) => h.trim().toLowerCase());
        missing = REQUIRED_ORDER_COLUMNS.filter((c) => !cols.includes(c));
        return cols;
      },
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: false,
    }),
  );
  const missingColumns = () =>
    new AppError('validation_failed', `${path}: missing required column(s) ${missing.join(', ')}; columns: ${GENERIC_ORDER_COLUMNS.join(', ')}`);
  const total: ImportResult = { received: 0, accepted: 0, inserted: 0, updated: 0, unchanged: 0, droppedKeys: 0, rejected: [] };
  // Each row is validated and hashed as it is read, so only the small order rows are kept until
  // the batch is written: holding 2,000 raw records and their intermediate objects made the
  // young-generation GC copy them again and again (~25% of the import's CPU).
  let rows: NewOrderRow[] = [];
  let inBatch = 0;
  // The write of the previous batch, still running while the next one is parsed and validated.
  let writing: Promise<void> | undefined;
  const flush = async (tx: Db) => {
    if (!inBatch) return;
    // Within one batch of CSV_BATCH lines the newest version of an order wins.
    const unique = newestPerOrder(rows);
    const accepted = rows.length;
    rows = [];
    inBatch = 0;
    // Pipelined: this batch's statement is sent now and runs in the database while the next batch
    // is parsed here. Same transaction and connection, so statements run in file order and the
    // first failure aborts everything after it.
    const write = upsertOrders(tx, unique).then((r) => {
      total.inserted += r.inserted;
      total.updated += r.updated;
      total.unchanged += accepted - r.inserted - r.updated;
      onProgress?.(total.received, input.bytesRead, bytesTotal);
    });
    write.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    const previous = writing;
    writing = write;
    await previous; // at most two batches in flight
  };
  try {
    // One transaction: a file that turns out malformed half-way imports nothing.
    await db.transaction(async (tx) => {
      try {
        for await (const record of parser) {
          if (missing.length) throw missingColumns();
          const parsed = parseGenericOrder(record, ++total.received);
          if (parsed.ok) {
            const { droppedKeys, ...row } = toOrderRow(store, parsed.order, 'csv');
            total.droppedKeys += droppedKeys;
            total.accepted++;
            rows.push(row);
          } else total.rejected.push(parsed.error);
          if (++inBatch >= CSV_BATCH) await flush(tx);
        }
        if (missing.length) throw missingColumns();
        await flush(tx);
        await writing;
      } finally {
        // Never roll back under a statement still running.
        await writing?.catch(() => {});
      }
    });
  } catch (err) {
    input.destroy();
    if (err instanceof AppError) throw err;
    throw new AppError('validation_failed', `${path}: ${(err as Error).message}; nothing was imported`);
  }
  return total;
}
