import { and, asc, desc, eq, gte, lte } from 'drizzle-orm';
import type { Db } from '../client';
import { releases } from '../schema';

export type Release = typeof releases.$inferSelect;
export type NewRelease = typeof releases.$inferInsert;

/** Inserts a release; a repeat of the same (store, source, external ref) is ignored. */
export async function insertRelease(db: Db, release: NewRelease): Promise<Release | undefined> {
  const [row] = await db.insert(releases).values(release).onConflictDoNothing().returning();
  return row;
}

export const listReleases = (db: Db, storeId: string, range?: { from?: Date; to?: Date }) =>
  db
    .select()
    .from(releases)
    .where(
      and(
        eq(releases.storeId, storeId),
        range?.from ? gte(releases.releasedAt, range.from) : undefined,
        range?.to ? lte(releases.releasedAt, range.to) : undefined,
      ),
    )
    .orderBy(asc(releases.releasedAt));

export const latestRelease = async (db: Db, storeId: string) =>
  (await db.select().from(releases).where(eq(releases.storeId, storeId)).orderBy(desc(releases.releasedAt)).limit(1))[0];
