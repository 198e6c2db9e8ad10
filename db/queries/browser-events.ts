import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { browserEvents } from '../schema';

export type BrowserEvent = typeof browserEvents.$inferSelect;
export type NewBrowserEvent = typeof browserEvents.$inferInsert;

/**
 * One multi-row INSERT. A beacon id already recorded for the store (a replayed beacon, or the
 * same beacon twice in one batch) inserts nothing. Returns how many rows were new.
 */
export async function insertBrowserEvents(db: Db, rows: NewBrowserEvent[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insert(browserEvents)
    .values(rows)
    .onConflictDoNothing({ target: [browserEvents.storeId, browserEvents.beaconId] })
    .returning({ id: browserEvents.id });
  return inserted.length;
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
