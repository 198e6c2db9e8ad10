import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apiKeys, storeSecrets, stores, type SecretName } from '../schema';

export type Store = typeof stores.$inferSelect;
export type NewStore = typeof stores.$inferInsert;

export const listStores = (db: Db) => db.select().from(stores).orderBy(asc(stores.name));

export async function getStore(db: Db, id: string): Promise<Store | undefined> {
  const [row] = await db.select().from(stores).where(eq(stores.id, id));
  return row;
}

export async function getStoreByName(db: Db, name: string): Promise<Store | undefined> {
  const [row] = await db.select().from(stores).where(sql`lower(${stores.name}) = lower(${name})`);
  return row;
}

export async function getStoreByPixelCode(db: Db, pixelCode: string): Promise<Store | undefined> {
  const [row] = await db.select().from(stores).where(eq(stores.pixelCode, pixelCode));
  return row;
}

export async function getStoreByShopDomain(db: Db, shopDomain: string): Promise<Store | undefined> {
  const [row] = await db.select().from(stores).where(eq(stores.shopDomain, shopDomain.toLowerCase()));
  return row;
}

export async function getStoreByPublicKey(db: Db, publicKey: string): Promise<Store | undefined> {
  const [row] = await db.select().from(stores).where(eq(stores.publicKey, publicKey));
  return row;
}

export async function insertStore(db: Db, store: NewStore): Promise<Store> {
  const [row] = await db.insert(stores).values(store).returning();
  return row!;
}

export async function updateStore(db: Db, id: string, patch: Partial<NewStore>): Promise<Store | undefined> {
  const [row] = await db
    .update(stores)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(stores.id, id))
    .returning();
  return row;
}

export async function upsertStoreSecret(db: Db, storeId: string, name: SecretName, ciphertext: string) {
  await db
    .insert(storeSecrets)
    .values({ storeId, name, ciphertext })
    .onConflictDoUpdate({
      target: [storeSecrets.storeId, storeSecrets.name],
      set: { ciphertext, updatedAt: new Date() },
    });
}

export async function getStoreSecretCiphertext(db: Db, storeId: string, name: SecretName) {
  const [row] = await db
    .select({ ciphertext: storeSecrets.ciphertext })
    .from(storeSecrets)
    .where(and(eq(storeSecrets.storeId, storeId), eq(storeSecrets.name, name)));
  return row?.ciphertext;
}

export const listStoreSecretNames = (db: Db, storeId: string) =>
  db
    .select({ name: storeSecrets.name, updatedAt: storeSecrets.updatedAt })
    .from(storeSecrets)
    .where(eq(storeSecrets.storeId, storeId))
    .orderBy(asc(storeSecrets.name));

/** Revokes the store's current ingest key(s) and records the new one's hash. */
export async function replaceIngestKey(db: Db, storeId: string, keyHash: string, prefix: string) {
  await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.storeId, storeId), eq(apiKeys.kind, 'ingest'), isNull(apiKeys.revokedAt)));
  await db.insert(apiKeys).values({ storeId, kind: 'ingest', keyHash, prefix });
}

/** The store an unrevoked ingest key belongs to. */
export async function findStoreIdByIngestKeyHash(db: Db, keyHash: string): Promise<string | undefined> {
  const [row] = await db
    .select({ storeId: apiKeys.storeId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), eq(apiKeys.kind, 'ingest'), isNull(apiKeys.revokedAt)));
  return row?.storeId ?? undefined;
}
