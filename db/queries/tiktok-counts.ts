import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { Db } from '../client';
import { stores, tiktokDailyCounts } from '../schema';

export type TikTokDailyCount = typeof tiktokDailyCounts.$inferSelect;
export type NewTikTokDailyCount = typeof tiktokDailyCounts.$inferInsert;

/** Writes one (store, UTC day) row; fetching a day again replaces its counts and fetch time. */
export async function upsertTikTokDailyCount(db: Db, row: NewTikTokDailyCount): Promise<void> {
  const fetchedAt = row.fetchedAt ?? new Date();
  await db
    .insert(tiktokDailyCounts)
    .values({ ...row, fetchedAt })
    .onConflictDoUpdate({
      target: [tiktokDailyCounts.storeId, tiktokDailyCounts.day],
      set: {
        total: row.total,
        browser: row.browser,
        server: row.server,
        attributed: row.attributed,
        eventType: row.eventType ?? null,
        fetchedAt,
      },
    });
}

/** A store's fetched days between `from` and `to` (UTC `YYYY-MM-DD`, both inclusive), oldest first. */
export function listTikTokDailyCounts(
  db: Db,
  q: { storeId: string; from: string; to: string },
): Promise<TikTokDailyCount[]> {
  return db
    .select()
    .from(tiktokDailyCounts)
    .where(
      and(eq(tiktokDailyCounts.storeId, q.storeId), gte(tiktokDailyCounts.day, q.from), lte(tiktokDailyCounts.day, q.to)),
    )
    .orderBy(asc(tiktokDailyCounts.day));
}

/**
 * Caches TikTok's numeric pixel id on the store, only while the store still has the pixel code it
 * was resolved from: a `store set pixel_code=…` in the meantime (which clears the cache) wins.
 * Returns whether the row was updated.
 */
export async function cacheStorePixelId(db: Db, storeId: string, pixelCode: string, pixelId: string): Promise<boolean> {
  const updated = await db
    .update(stores)
    .set({ pixelId })
    .where(and(eq(stores.id, storeId), eq(stores.pixelCode, pixelCode)))
    .returning({ id: stores.id });
  return updated.length > 0;
}
