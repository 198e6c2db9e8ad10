/**
 * Stores, the tenant unit: settings, keys and encrypted credentials. Every entry point
 * (CLI, API, dashboard) goes through these functions.
 */
import { randomBytes } from 'node:crypto';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import type { Db } from '@/db/client';
import * as q from '@/db/queries/stores';
import { recordAudit } from '@/db/queries/audit';
import { PLATFORMS, RELAY_MODES, SECRET_NAMES, type SecretName } from '@/db/schema';
import { AppError } from '@/lib/http/errors';
import { decryptSecret, encryptSecret, sha256Hex } from '@/lib/config/secrets';

export type Store = q.Store;

const currencies = new Set(Intl.supportedValuesOf('currency'));

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const storeSettingsSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(120),
  platform: z.enum(PLATFORMS),
  shop_domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/, 'must be a host name such as x.myshopify.com')
    .nullable(),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullable(),
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .refine((c) => currencies.has(c), 'must be an ISO 4217 currency code such as USD'),
  phone_country: z
    .string()
    .trim()
    .toUpperCase()
    .refine((c) => isSupportedCountry(c), 'must be an ISO 3166 alpha-2 country code such as US')
    .nullable(),
  pixel_code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{6,64}$/, 'must be the alphanumeric pixel code from Events Manager')
    .nullable(),
  advertiser_id: z.string().trim().regex(/^\d{6,25}$/, 'must be the numeric advertiser id').nullable(),
  event_id_template: z.string().trim().includes('{order_id}', { message: 'must contain {order_id}' }).max(200),
  relay_mode: z.enum(RELAY_MODES),
  retention_days: z.coerce.number().int().min(1).max(3650),
  outbox_horizon_hours: z.coerce.number().int().min(1).max(24 * 14),
  resend_max_age_days: z.coerce.number().int().min(1).max(90),
});

export type StoreSettings = z.infer<typeof storeSettingsSchema>;
export const SETTABLE_KEYS = Object.keys(storeSettingsSchema.shape) as (keyof StoreSettings)[];

const newStoreSchema = storeSettingsSchema
  .partial({
    shop_domain: true,
    base_url: true,
    phone_country: true,
    pixel_code: true,
    advertiser_id: true,
  })
  .extend({
    id: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'must be a slug: lowercase letters, digits and dashes')
      .optional(),
    event_id_template: storeSettingsSchema.shape.event_id_template.default('{order_id}'),
    relay_mode: storeSettingsSchema.shape.relay_mode.default('forward'),
    retention_days: storeSettingsSchema.shape.retention_days.default(30),
    outbox_horizon_hours: storeSettingsSchema.shape.outbox_horizon_hours.default(24),
    resend_max_age_days: storeSettingsSchema.shape.resend_max_age_days.default(7),
  });

export type NewStoreInput = z.input<typeof newStoreSchema>;

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
}

/** Zod issues as one readable sentence for CLI and API errors. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed', describeIssues(parsed.error), 400, parsed.error.issues);
  return parsed.data;
}

const newIngestKey = () => `sw_ingest_${randomBytes(24).toString('base64url')}`;
const newPublicKey = () => `swpk_${randomBytes(12).toString('base64url')}`;

export const hashApiKey = (key: string) => sha256Hex(`signalwatch-api-key:${key}`);

const toColumns = (s: Partial<StoreSettings>): Partial<q.NewStore> => {
  const out: Partial<q.NewStore> = {};
  if (s.name !== undefined) out.name = s.name;
  if (s.platform !== undefined) out.platform = s.platform;
  if (s.shop_domain !== undefined) out.shopDomain = s.shop_domain;
  if (s.base_url !== undefined) out.baseUrl = s.base_url;
  if (s.timezone !== undefined) out.timezone = s.timezone;
  if (s.currency !== undefined) out.currency = s.currency;
  if (s.phone_country !== undefined) out.phoneCountry = s.phone_country;
  if (s.pixel_code !== undefined) out.pixelCode = s.pixel_code;
  if (s.advertiser_id !== undefined) out.advertiserId = s.advertiser_id;
  if (s.event_id_template !== undefined) out.eventIdTemplate = s.event_id_template;
  if (s.relay_mode !== undefined) out.relayMode = s.relay_mode;
  if (s.retention_days !== undefined) out.retentionDays = s.retention_days;
  if (s.outbox_horizon_hours !== undefined) out.outboxHorizonHours = s.outbox_horizon_hours;
  if (s.resend_max_age_days !== undefined) out.resendMaxAgeDays = s.resend_max_age_days;
  return out;
};

export interface StoreView {
  id: string;
  name: string;
  platform: string;
  shop_domain: string | null;
  base_url: string | null;
  timezone: string;
  currency: string;
  phone_country: string | null;
  pixel_code: string | null;
  advertiser_id: string | null;
  event_id_template: string;
  relay_mode: string;
  retention_days: number;
  outbox_horizon_hours: number;
  resend_max_age_days: number;
  public_key: string;
  created_at: string;
}

/** The settings as users see them: never a secret, never a key hash. */
export function storeView(s: Store): StoreView {
  return {
    id: s.id,
    name: s.name,
    platform: s.platform,
    shop_domain: s.shopDomain,
    base_url: effectiveBaseUrl(s),
    timezone: s.timezone,
    currency: s.currency,
    phone_country: s.phoneCountry,
    pixel_code: s.pixelCode,
    advertiser_id: s.advertiserId,
    event_id_template: s.eventIdTemplate,
    relay_mode: s.relayMode,
    retention_days: s.retentionDays,
    outbox_horizon_hours: s.outboxHorizonHours,
    resend_max_age_days: s.resendMaxAgeDays,
    public_key: s.publicKey,
    created_at: s.createdAt.toISOString(),
  };
}

/** Where the platform API is reached: the configured base URL, else https://<shop-domain>. */
export function effectiveBaseUrl(s: Pick<Store, 'baseUrl' | 'shopDomain' | 'platform'>): string | null {
  if (s.baseUrl) return s.baseUrl.replace(/\/+$/, '');
  if (s.platform === 'shopify' && s.shopDomain) return `https://${s.shopDomain}`;
  return null;
}

async function assertUnique(db: Db, fields: { id?: string; name?: string; shopDomain?: string | null; pixelCode?: string | null }) {
  if (fields.name) {
    const clash = await q.getStoreByName(db, fields.name);
    if (clash && clash.id !== fields.id) throw new AppError('conflict', `a store named "${clash.name}" already exists (id ${clash.id})`);
  }
  if (fields.shopDomain) {
    const clash = await q.getStoreByShopDomain(db, fields.shopDomain);
    if (clash && clash.id !== fields.id) throw new AppError('conflict', `store ${clash.id} already uses shop domain ${fields.shopDomain}`);
  }
  if (fields.pixelCode) {
    const clash = await q.getStoreByPixelCode(db, fields.pixelCode);
    if (clash && clash.id !== fields.id) throw new AppError('conflict', `store ${clash.id} already uses pixel code ${fields.pixelCode}`);
  }
}

export async function createStore(
  db: Db,
  input: NewStoreInput,
  actor = 'cli',
): Promise<{ store: StoreView; ingestKey: string }> {
  const s = parseOrThrow(newStoreSchema, input);
  const id = s.id ?? slugify(s.name);
  if (!id) throw new AppError('validation_failed', 'name: needs at least one letter or digit to make an id (or pass --id)');
  if (s.platform === 'shopify' && !s.shop_domain)
    throw new AppError('validation_failed', 'shop_domain: required for a Shopify store (e.g. x.myshopify.com)');
  if (s.platform === 'woocommerce' && !s.base_url)
    throw new AppError('validation_failed', 'base_url: required for a WooCommerce store (the WordPress site URL)');
  const ingestKey = newIngestKey();
  const store = await db.transaction(async (tx) => {
    if (await q.getStore(tx, id)) throw new AppError('conflict', `a store with id "${id}" already exists`);
    await assertUnique(tx, { name: s.name, shopDomain: s.shop_domain, pixelCode: s.pixel_code });
    const row = await q.insertStore(tx, {
      id,
      ...(toColumns(s) as Required<Pick<q.NewStore, 'name' | 'platform' | 'timezone' | 'currency'>>),
      publicKey: newPublicKey(),
    });
    await q.replaceIngestKey(tx, id, hashApiKey(ingestKey), ingestKey.slice(0, 14));
    await recordAudit(tx, { actor, storeId: id, action: 'store.create', details: { name: s.name } });
    return row;
  });
  return { store: storeView(store), ingestKey };
}

export async function requireStore(db: Db, id: string): Promise<Store> {
  const store = await q.getStore(db, id);
  if (!store) throw new AppError('not_found', `no store with id "${id}" (see \`signalwatch store list\`)`);
  return store;
}

// Code that caches store settings or secrets in process (the webhook intake) listens here, so a
// change made in this process (the CLI run by the app) applies at once instead of after its TTL.
type StoreChangeListener = (db: Db, storeId: string) => void;
const storeChangeListeners = new Set<StoreChangeListener>();
export function onStoreChanged(listener: StoreChangeListener): void {
  storeChangeListeners.add(listener);
}
function storeChanged(db: Db, storeId: string) {
  for (const listener of storeChangeListeners) listener(db, storeId);
}

/** Applies `key=value` settings; all are validated before any is written. */
export async function updateStoreSettings(
  db: Db,
  id: string,
  assignments: Record<string, string>,
  actor = 'cli',
): Promise<StoreView> {
  const unknown = Object.keys(assignments).filter((k) => !(SETTABLE_KEYS as string[]).includes(k));
  if (unknown.length)
    throw new AppError('validation_failed', `unknown setting ${unknown.join(', ')}; settable: ${SETTABLE_KEYS.join(', ')}`);
  const nullable = new Set(['shop_domain', 'base_url', 'phone_country', 'pixel_code', 'advertiser_id']);
  const raw = Object.fromEntries(
    Object.entries(assignments).map(([k, v]) => [k, nullable.has(k) && (v === '' || v === 'null') ? null : v]),
  );
  const patch = parseOrThrow(storeSettingsSchema.partial(), raw);
  return db.transaction(async (tx) => {
    await requireStore(tx, id);
    await assertUnique(tx, { id, name: patch.name, shopDomain: patch.shop_domain, pixelCode: patch.pixel_code });
    const updated = await q.updateStore(tx, id, {
      ...toColumns(patch),
      // A new pixel code invalidates the cached numeric pixel id.
      ...(patch.pixel_code !== undefined ? { pixelId: null } : {}),
    });
    await recordAudit(tx, { actor, storeId: id, action: 'store.update', details: { keys: Object.keys(patch) } });
    return storeView(updated!);
  }).finally(() => storeChanged(db, id));
}

export async function rotateIngestKey(db: Db, id: string, actor = 'cli') {
  const ingestKey = newIngestKey();
  const store = await db.transaction(async (tx) => {
    const s = await requireStore(tx, id);
    await q.replaceIngestKey(tx, id, hashApiKey(ingestKey), ingestKey.slice(0, 14));
    await recordAudit(tx, { actor, storeId: id, action: 'store.rotate_key' });
    return s;
  });
  return { store: storeView(store), ingestKey };
}

export function parseSecretName(name: string): SecretName {
  if (!(SECRET_NAMES as readonly string[]).includes(name))
    throw new AppError('validation_failed', `unknown secret "${name}"; one of: ${SECRET_NAMES.join(', ')}`);
  return name as SecretName;
}

export async function setStoreSecret(db: Db, id: string, name: string, value: string, actor = 'cli') {
  const secretName = parseSecretName(name);
  const trimmed = value.trim();
  if (!trimmed) throw new AppError('validation_failed', `the value for ${secretName} is empty (pipe it on stdin)`);
  await db.transaction(async (tx) => {
    await requireStore(tx, id);
    await q.upsertStoreSecret(tx, id, secretName, encryptSecret(trimmed));
    await recordAudit(tx, { actor, storeId: id, action: 'store.secret_set', details: { name: secretName } });
  });
  storeChanged(db, id);
}

export async function getStoreSecret(db: Db, id: string, name: SecretName): Promise<string | undefined> {
  const sealed = await q.getStoreSecretCiphertext(db, id, name);
  return sealed === undefined ? undefined : decryptSecret(sealed);
}

/** Resolves the store an ingest key belongs to, or undefined. */
export async function storeIdForIngestKey(db: Db, key: string): Promise<string | undefined> {
  if (!key.startsWith('sw_ingest_')) return undefined;
  return q.findStoreIdByIngestKeyHash(db, hashApiKey(key));
}

/** The store behind an `Authorization: Bearer <ingest key>` header, or a 401. */
export async function storeForBearer(db: Db, authorization: string | null): Promise<Store> {
  const key = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!key) throw new AppError('unauthorized', 'send the store ingest key as "Authorization: Bearer <key>"');
  const storeId = await storeIdForIngestKey(db, key);
  const store = storeId ? await q.getStore(db, storeId) : undefined;
  if (!store) throw new AppError('unauthorized', 'unknown or revoked ingest key');
  return store;
}
