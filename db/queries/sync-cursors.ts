import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { syncCursors } from '../schema';

export async function getCursor(db: Db, storeId: string, kind: string): Promise<string | undefined> {
  const [row] = await db
    .select({ value: syncCursors.value })
    .from(syncCursors)
    .where(and(eq(syncCursors.storeId, storeId), eq(syncCursors.kind, kind)));
  return row?.value;
}

export async function setCursor(db: Db, storeId: string, kind: string, value: string) {
  await db
    .insert(syncCursors)
    .values({ storeId, kind, value })
    .onConflictDoUpdate({ target: [syncCursors.storeId, syncCursors.kind], set: { value, updatedAt: new Date() } });
}
