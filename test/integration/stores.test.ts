import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { selectRows } from '@/db/client';
import {
  createStore,
  getStoreSecret,
  rotateIngestKey,
  setStoreSecret,
  storeIdForIngestKey,
  updateStoreSettings,
} from '@/lib/stores';
import { listStores } from '@/db/queries/stores';
import { migrate } from '@/db/migrate';
import { AppError } from '@/lib/http/errors';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

process.env.SIGNALWATCH_SECRET ??= 'test-secret-test-secret-test-secret-0123';

const base = {
  name: 'Acme Shop',
  platform: 'shopify' as const,
  shop_domain: 'acme.myshopify.com',
  timezone: 'America/New_York',
  currency: 'usd',
  phone_country: 'us',
  pixel_code: 'CABC123XYZ0987654321',
};

describe.each(testTargets())('stores on %s', (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(() => t.cleanup());

  it('creates a store with a slug id, normalized settings and a working ingest key', async () => {
    const { store, ingestKey } = await createStore(t.db, base);
    expect(store).toMatchObject({
      id: 'acme-shop',
      currency: 'USD',
      phone_country: 'US',
      event_id_template: '{order_id}',
      relay_mode: 'forward',
      retention_days: 30,
      base_url: 'https://acme.myshopify.com',
    });
    expect(store.public_key).toMatch(/^swpk_/);
    expect(ingestKey).toMatch(/^sw_ingest_/);
    expect(await storeIdForIngestKey(t.db, ingestKey)).toBe('acme-shop');
    // The key is stored hashed only.
    const rows = await selectRows<{ key_hash: string }>(t.db, sql`select key_hash from api_keys`);
    expect(rows.map((r) => r.key_hash)).not.toContain(ingestKey);
  });

  it('refuses a duplicate name (any case), shop domain or pixel code, writing nothing', async () => {
    await expect(createStore(t.db, { ...base, id: 'other', name: 'ACME SHOP' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(createStore(t.db, { ...base, name: 'Other', pixel_code: 'OTHERPIXEL1' })).rejects.toThrow(/shop domain/);
    await expect(createStore(t.db, { ...base, name: 'Other', shop_domain: 'o.myshopify.com' })).rejects.toThrow(/pixel code/);
    expect(await listStores(t.db)).toHaveLength(1);
  });

  it('validates settings with clear messages', async () => {
    const bad = await createStore(t.db, { ...base, name: 'X', id: 'x', timezone: 'Mars/Base', currency: 'ZZZ' }).catch((e) => e);
    expect(bad).toBeInstanceOf(AppError);
    expect(bad.message).toMatch(/timezone: must be an IANA time zone/);
    expect(bad.message).toMatch(/currency: must be an ISO 4217/);
    await expect(createStore(t.db, { ...base, name: 'Y', event_id_template: 'order' })).rejects.toThrow(/\{order_id\}/);
    await expect(createStore(t.db, { ...base, name: 'Z', shop_domain: undefined, pixel_code: undefined })).rejects.toThrow(/shop_domain/);
  });

  it('updates settings atomically: one bad key changes nothing', async () => {
    await expect(updateStoreSettings(t.db, 'acme-shop', { relay_mode: 'fix', retention_days: '-3' })).rejects.toThrow(/retention_days/);
    await expect(updateStoreSettings(t.db, 'acme-shop', { colour: 'red' })).rejects.toThrow(/unknown setting colour/);
    const [before] = await listStores(t.db);
    expect(before!.relayMode).toBe('forward');
    const after = await updateStoreSettings(t.db, 'acme-shop', { relay_mode: 'fix', phone_country: '' });
    expect(after.relay_mode).toBe('fix');
    expect(after.phone_country).toBeNull();
    await expect(updateStoreSettings(t.db, 'nope', { relay_mode: 'fix' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('rotates the ingest key: the old one stops working', async () => {
    const first = await createStore(t.db, { ...base, name: 'Rotating', shop_domain: 'r.myshopify.com', pixel_code: 'ROTATEPIXEL1' });
    const second = await rotateIngestKey(t.db, first.store.id);
    expect(await storeIdForIngestKey(t.db, first.ingestKey)).toBeUndefined();
    expect(await storeIdForIngestKey(t.db, second.ingestKey)).toBe(first.store.id);
  });

  it('encrypts secrets at rest and reads them back', async () => {
    await setStoreSecret(t.db, 'acme-shop', 'tiktok_events_token', '  tok-123456  ');
    const rows = await selectRows<{ ciphertext: string }>(t.db, sql`select ciphertext from store_secrets`);
    expect(rows[0]!.ciphertext).not.toContain('tok-123456');
    expect(await getStoreSecret(t.db, 'acme-shop', 'tiktok_events_token')).toBe('tok-123456');
    await expect(setStoreSecret(t.db, 'acme-shop', 'password', 'x')).rejects.toThrow(/unknown secret "password"/);
    await expect(setStoreSecret(t.db, 'acme-shop', 'shopify_access_token', '   ')).rejects.toThrow(/empty/);
  });

  it('re-running migrations is a no-op', async () => {
    expect(await migrate(t)).toEqual([]);
  });
});
