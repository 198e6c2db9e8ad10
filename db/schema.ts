/**
 * Signalwatch's schema: one definition for PGlite and Postgres.
 * Conventions: timestamps are timestamptz (UTC), money is numeric(14,2), ids of high-volume
 * tables are bigint identities, store ids are slugs. Hashes/IP/UA columns are nulled by the
 * retention purge (DESIGN.md §3, §7); no column ever holds a raw email or phone.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  char,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const storeRef = () =>
  text('store_id')
    .notNull()
    .references(() => stores.id, { onDelete: 'cascade' });

export const PLATFORMS = ['shopify', 'woocommerce', 'custom'] as const;
export const RELAY_MODES = ['forward', 'fix', 'observe'] as const;

export const stores = pgTable(
  'stores',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    platform: text('platform', { enum: PLATFORMS }).notNull(),
    shopDomain: text('shop_domain'),
    baseUrl: text('base_url'),
    timezone: text('timezone').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    phoneCountry: char('phone_country', { length: 2 }),
    pixelCode: text('pixel_code'),
    /** TikTok's numeric pixel id, resolved from the pixel code via /pixel/list/. */
    pixelId: text('pixel_id'),
    advertiserId: text('advertiser_id'),
    eventIdTemplate: text('event_id_template').notNull().default('{order_id}'),
    relayMode: text('relay_mode', { enum: RELAY_MODES }).notNull().default('forward'),
    retentionDays: integer('retention_days').notNull().default(30),
    outboxHorizonHours: integer('outbox_horizon_hours').notNull().default(24),
    resendMaxAgeDays: integer('resend_max_age_days').notNull().default(7),
    /** Published in the browser beacon's data-store attribute; not a secret. */
    publicKey: text('public_key').notNull(),
    /** Thresholds and other per-store knobs that later features add (alerts, checklist). */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('stores_name_uq').on(sql`lower(${t.name})`),
    uniqueIndex('stores_shop_domain_uq').on(t.shopDomain),
    uniqueIndex('stores_pixel_code_uq').on(t.pixelCode),
    uniqueIndex('stores_public_key_uq').on(t.publicKey),
  ],
);

export const SECRET_NAMES = [
  'tiktok_events_token',
  'tiktok_marketing_token',
  'shopify_access_token',
  'shopify_webhook_secret',
  'shopify_webhook_secret_previous',
  'woocommerce_key',
  'woocommerce_secret',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Credentials, AES-256-GCM encrypted (lib/config/secrets.ts). */
export const storeSecrets = pgTable(
  'store_secrets',
  {
    storeId: storeRef(),
    name: text('name', { enum: SECRET_NAMES }).notNull(),
    ciphertext: text('ciphertext').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.name] })],
);

/** Keys callers present: a store's ingest key, or admin/CI keys (store_id null). Stored hashed. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    storeId: text('store_id').references(() => stores.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['ingest', 'admin'] }).notNull(),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: createdAt(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.keyHash), index('api_keys_store_idx').on(t.storeId)],
);

export const ATTRIBUTIONS = ['click_id', 'utm', 'referrer', 'platform_source', 'none', 'pending', 'unknown'] as const;
export type Attribution = (typeof ATTRIBUTIONS)[number];

/** The truth set: one row per (store, platform order id), whatever path it came by. */
export const orders = pgTable(
  'orders',
  {
    id: id(),
    storeId: storeRef(),
    platformId: text('platform_id').notNull(),
    name: text('name'),
    processedAt: ts('processed_at').notNull(),
    platformUpdatedAt: ts('platform_updated_at'),
    value: numeric('value', { precision: 14, scale: 2, mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    test: boolean('test').notNull().default(false),
    cancelledAt: ts('cancelled_at'),
    channel: text('channel'),
    inScope: boolean('in_scope').notNull(),
    scopeReason: text('scope_reason'),
    attribution: text('attribution', { enum: ATTRIBUTIONS }).notNull().default('none'),
    attributionVisit: text('attribution_visit', { enum: ['first', 'last'] }),
    utmSource: text('utm_source'),
    referrerHost: text('referrer_host'),
    firstVisitAt: ts('first_visit_at'),
    daysToConversion: integer('days_to_conversion'),
    browser: text('browser'),
    browserMajor: integer('browser_major'),
    os: text('os'),
    osMajor: integer('os_major'),
    // Kept for resend only, purged after the store's retention period.
    emailSha256: char('email_sha256', { length: 64 }),
    phoneSha256: char('phone_sha256', { length: 64 }),
    externalIdSha256: char('external_id_sha256', { length: 64 }),
    ip: text('ip'),
    userAgent: text('user_agent'),
    ttclid: text('ttclid'),
    ttp: text('ttp'),
    piiPurgedAt: ts('pii_purged_at'),
    source: text('source', { enum: ['shopify_pull', 'shopify_webhook', 'woocommerce', 'api', 'csv', 'demo'] }).notNull(),
    ingestedAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('orders_store_platform_uq').on(t.storeId, t.platformId),
    index('orders_store_processed_idx').on(t.storeId, t.processedAt),
    index('orders_pending_idx').on(t.storeId).where(sql`${t.attribution} = 'pending'`),
    index('orders_purge_idx').on(t.storeId, t.processedAt).where(sql`${t.piiPurgedAt} is null`),
  ],
);

/** Browser leg: one row per beacon from public/signalwatch.js. */
export const browserEvents = pgTable(
  'browser_events',
  {
    id: id(),
    storeId: storeRef(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    beaconId: text('beacon_id'),
    eventName: text('event_name'),
    eventId: text('event_id'),
    orderId: text('order_id'),
    /** TikTok's library loaded on the page (window.ttq real, not the stub). */
    pixelLoaded: boolean('pixel_loaded'),
    /** The page called ttq.track for the purchase. */
    pixelTracked: boolean('pixel_tracked'),
    /** No-cors probe to TikTok's pixel host succeeded; an ad blocker makes it fail. */
    probeOk: boolean('probe_ok'),
    pageLoadMs: integer('page_load_ms'),
    /** The page was left before the pixel's request went out. */
    leftBeforeSend: boolean('left_before_send'),
    consent: text('consent', { enum: ['granted', 'denied', 'unknown'] }).notNull().default('unknown'),
    hasTtclid: boolean('has_ttclid'),
    hasTtp: boolean('has_ttp'),
    browser: text('browser'),
    browserMajor: integer('browser_major'),
    os: text('os'),
    osMajor: integer('os_major'),
    deviceType: text('device_type'),
    pageUrl: text('page_url'),
  },
  (t) => [
    index('browser_events_store_order_idx').on(t.storeId, t.orderId),
    index('browser_events_store_received_idx').on(t.storeId, t.receivedAt),
    uniqueIndex('browser_events_beacon_uq').on(t.storeId, t.beaconId),
  ],
);

export const MATCH_KEYS = ['email', 'phone', 'external_id', 'ttclid', 'ttp', 'ip', 'user_agent'] as const;
export type MatchKey = (typeof MATCH_KEYS)[number];

/** Server leg: every Events API event the relay saw, an import brought, or a resend sent. */
export const serverEvents = pgTable(
  'server_events',
  {
    id: id(),
    storeId: storeRef(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    source: text('source', { enum: ['relay', 'import', 'resend'] }).notNull(),
    eventTime: ts('event_time'),
    eventName: text('event_name'),
    eventId: text('event_id'),
    orderId: text('order_id'),
    testEventCode: text('test_event_code'),
    value: numeric('value', { precision: 14, scale: 2, mode: 'number' }),
    currency: text('currency'),
    // A valid value present for each match key (set-based coverage needs columns, not JSON).
    hasEmail: boolean('has_email').notNull().default(false),
    hasPhone: boolean('has_phone').notNull().default(false),
    hasExternalId: boolean('has_external_id').notNull().default(false),
    hasTtclid: boolean('has_ttclid').notNull().default(false),
    hasTtp: boolean('has_ttp').notNull().default(false),
    hasIp: boolean('has_ip').notNull().default(false),
    hasUserAgent: boolean('has_user_agent').notNull().default(false),
    lintCodes: text('lint_codes').array().notNull().default(sql`'{}'::text[]`),
    fixes: text('fixes').array().notNull().default(sql`'{}'::text[]`),
    delivery: text('delivery', { enum: ['sent', 'queued', 'rejected', 'dead', 'observed'] }).notNull(),
    tiktokCode: integer('tiktok_code'),
    tiktokMessage: text('tiktok_message'),
    outboxId: bigint('outbox_id', { mode: 'number' }),
  },
  (t) => [
    index('server_events_store_order_idx').on(t.storeId, t.orderId),
    index('server_events_store_time_idx').on(t.storeId, t.eventTime),
    index('server_events_outbox_idx').on(t.outboxId).where(sql`${t.outboxId} is not null`),
  ],
);

/** Relay requests TikTok has not yet accepted. Bodies are stored with PII already hashed. */
export const relayOutbox = pgTable(
  'relay_outbox',
  {
    id: id(),
    storeId: storeRef(),
    body: jsonb('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'dead'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: ts('delivered_at'),
  },
  (t) => [index('relay_outbox_due_idx').on(t.status, t.nextAttemptAt)],
);

/** What TikTok counted: purchase events per store and UTC day (pixel/event/stats). */
export const tiktokDailyCounts = pgTable(
  'tiktok_daily_counts',
  {
    storeId: storeRef(),
    day: date('day', { mode: 'string' }).notNull(),
    total: integer('total').notNull(),
    browser: integer('browser').notNull(),
    server: integer('server').notNull(),
    attributed: integer('attributed').notNull(),
    eventType: text('event_type'),
    fetchedAt: ts('fetched_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.day] })],
);

export const healthSnapshots = pgTable(
  'health_snapshots',
  {
    id: id(),
    storeId: storeRef(),
    kind: text('kind', { enum: ['weekly', 'rolling7', 'adhoc'] }).notNull(),
    windowFrom: date('window_from', { mode: 'string' }).notNull(),
    windowTo: date('window_to', { mode: 'string' }).notNull(),
    settled: boolean('settled').notNull(),
    metrics: jsonb('metrics').notNull(),
    computedAt: ts('computed_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('health_snapshots_window_uq').on(t.storeId, t.kind, t.windowFrom, t.windowTo)],
);

export const releases = pgTable(
  'releases',
  {
    id: id(),
    storeId: storeRef(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    source: text('source', { enum: ['api', 'cli', 'shopify', 'dashboard', 'demo'] }).notNull(),
    releasedAt: ts('released_at').notNull(),
    externalRef: text('external_ref'),
    createdAt: createdAt(),
  },
  (t) => [
    index('releases_store_time_idx').on(t.storeId, t.releasedAt),
    uniqueIndex('releases_external_ref_uq').on(t.storeId, t.source, t.externalRef),
  ],
);

export const alerts = pgTable(
  'alerts',
  {
    id: id(),
    storeId: storeRef(),
    /** store + metric + release: an alert opens once, updates, resolves. */
    fingerprint: text('fingerprint').notNull(),
    metric: text('metric').notNull(),
    releaseId: bigint('release_id', { mode: 'number' }).references(() => releases.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['open', 'resolved'] }).notNull(),
    severity: text('severity', { enum: ['warning', 'critical'] }).notNull().default('warning'),
    title: text('title').notNull(),
    details: jsonb('details').notNull().default({}),
    openedAt: ts('opened_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    resolvedAt: ts('resolved_at'),
  },
  (t) => [uniqueIndex('alerts_fingerprint_uq').on(t.fingerprint), index('alerts_store_status_idx').on(t.storeId, t.status)],
);

export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: id(),
    alertId: bigint('alert_id', { mode: 'number' })
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    channel: text('channel', { enum: ['slack', 'email'] }).notNull(),
    target: text('target').notNull(),
    event: text('event', { enum: ['opened', 'updated', 'resolved'] }).notNull(),
    status: text('status', { enum: ['pending', 'sent', 'dead'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: ts('sent_at'),
  },
  (t) => [index('alert_deliveries_due_idx').on(t.status, t.nextAttemptAt)],
);

/** One row per (store, order, event), written before the request: sent at most once, ever. */
export const resendItems = pgTable(
  'resend_items',
  {
    id: id(),
    storeId: storeRef(),
    orderPlatformId: text('order_platform_id').notNull(),
    eventName: text('event_name').notNull(),
    eventId: text('event_id').notNull(),
    batchId: text('batch_id').notNull(),
    status: text('status', { enum: ['reserved', 'sent', 'rejected', 'failed'] }).notNull().default('reserved'),
    tiktokCode: integer('tiktok_code'),
    tiktokMessage: text('tiktok_message'),
    createdAt: createdAt(),
    sentAt: ts('sent_at'),
  },
  (t) => [uniqueIndex('resend_items_once_uq').on(t.storeId, t.orderPlatformId, t.eventName)],
);

/** Scheduler claims: a unique (task, fire_time) row makes each fire run once across processes. */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: id(),
    task: text('task').notNull(),
    fireTime: ts('fire_time').notNull(),
    status: text('status', { enum: ['running', 'ok', 'error'] }).notNull().default('running'),
    claimedBy: text('claimed_by').notNull(),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
    durationMs: integer('duration_ms'),
    counts: jsonb('counts').$type<Record<string, number>>(),
    error: text('error'),
  },
  (t) => [uniqueIndex('job_runs_fire_uq').on(t.task, t.fireTime), index('job_runs_started_idx').on(t.startedAt)],
);

/** Shopify webhook deliveries, deduplicated on X-Shopify-Webhook-Id. No payload (it holds PII). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    storeId: storeRef(),
    platform: text('platform').notNull(),
    webhookId: text('webhook_id').notNull(),
    topic: text('topic').notNull(),
    resourceId: text('resource_id'),
    outcome: text('outcome').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('webhook_deliveries_uq').on(t.platform, t.webhookId)],
);

/** Per-store cursors for incremental syncs (e.g. orders updated_at high-water mark). */
export const syncCursors = pgTable(
  'sync_cursors',
  {
    storeId: storeRef(),
    kind: text('kind').notNull(),
    value: text('value').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.kind] })],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    at: ts('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    storeId: text('store_id'),
    action: text('action').notNull(),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [index('audit_log_store_at_idx').on(t.storeId, t.at)],
);

export const schema = {
  stores,
  storeSecrets,
  apiKeys,
  orders,
  browserEvents,
  serverEvents,
  relayOutbox,
  tiktokDailyCounts,
  healthSnapshots,
  releases,
  alerts,
  alertDeliveries,
  resendItems,
  jobRuns,
  webhookDeliveries,
  syncCursors,
  auditLog,
};

