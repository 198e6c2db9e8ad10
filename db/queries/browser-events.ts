import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { browserEvents } from '../schema';
import { jsonRowsSource } from './json-rows';

export type BrowserEvent = typeof browserEvents.$inferSelect;
export type NewBrowserEvent = typeof browserEvents.$inferInsert;

const fromJsonRows = jsonRowsSource(browserEvents);

/**
 * One multi-row INSERT. A beacon id already recorded for the store (a replayed beacon, or the
 * same beacon twice in one batch) inserts nothing. Returns how many rows were new — the driver's
 * affected-row count: counting through `with … returning` cost ~0.5 ms more per statement on PGlite,
 * where every statement blocks the event loop.
 */
export async function insertBrowserEvents(db: Db, rows: NewBrowserEvent[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = (await db.execute(
    sql`insert into ${browserEvents} ${fromJsonRows(rows)} on conflict (store_id, beacon_id) do nothing`,
  )) as unknown as { affectedRows?: number; count?: number };
  // PGlite answers {affectedRows}, postgres.js a row list with .count.
  return Number(result.affectedRows ?? result.count ?? 0);
}

export interface ListBrowserEventsOptions {
  storeId: string;
  /** Received at or after. */
  from?: Date;
  /** Received before. */
  to?: Date;
  /** Default 100, at most 10,000. */
  limit?: number;
}

/** A store's beacons, newest first. */
export async function listBrowserEvents(db: Db, opts: ListBrowserEventsOptions): Promise<BrowserEvent[]> {
  const where: SQL[] = [eq(browserEvents.storeId, opts.storeId)];
  if (opts.from) where.push(gte(browserEvents.receivedAt, opts.from));
  if (opts.to) where.push(lt(browserEvents.receivedAt, opts.to));
  const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 100)), 10_000);
  return db
    .select()
    .from(browserEvents)
    .where(and(...where))
    .orderBy(desc(browserEvents.receivedAt), desc(browserEvents.id))
    .limit(limit);
}
