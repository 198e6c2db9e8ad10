import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { serverEvents } from '../schema';

export type ServerEventRow = typeof serverEvents.$inferSelect;
export type NewServerEventRow = typeof serverEvents.$inferInsert;

export async function insertServerEvents(db: Db, rows: NewServerEventRow[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const out: number[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const ids = await db.insert(serverEvents).values(rows.slice(i, i + 1000)).returning({ id: serverEvents.id });
    out.push(...ids.map((r) => r.id));
  }
  return out;
}

/** Newest first, like the browser leg's list. */
export const listServerEvents = (db: Db, q: { storeId: string; from?: Date; to?: Date; limit?: number }) =>
  db
    .select()
    .from(serverEvents)
    .where(
      and(
        eq(serverEvents.storeId, q.storeId),
        q.from ? gte(serverEvents.receivedAt, q.from) : undefined,
        q.to ? lt(serverEvents.receivedAt, q.to) : undefined,
      ),
    )
    .orderBy(desc(serverEvents.receivedAt), desc(serverEvents.id))
    .limit(q.limit ?? 10_000);

/** Applies the outcome of an outbox delivery to the events it carried. */
export async function setDeliveryByOutbox(
  db: Db,
  outboxId: number,
  update: { delivery: NewServerEventRow['delivery']; tiktokCode?: number | null; tiktokMessage?: string | null },
  eventIds?: string[],
) {
  await db
    .update(serverEvents)
    .set(update)
    .where(and(eq(serverEvents.outboxId, outboxId), eventIds ? inArray(serverEvents.eventId, eventIds) : undefined));
}

export async function countServerEvents(db: Db, storeId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(serverEvents).where(eq(serverEvents.storeId, storeId));
  return row?.n ?? 0;
}
