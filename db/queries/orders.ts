import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { jsonRowsSourceOf, prerendered, rowsJsonWithoutNulls } from './json-rows';
import { orders } from '../schema';
import { WEB_CHANNEL_IDS } from '@/lib/commerce/scope';

export type OrderRow = typeof orders.$inferSelect;
export type NewOrderRow = typeof orders.$inferInsert;

/**
 * Evidence strength: a merge keeps the stronger attribution. `pending` (the journey was not ready) is
 * "not known yet": it ranks above `none` only so that a webhook, which never sees the journey, does
 * not erase it and the pull still re-reads the day; pendingResolved lets the pull's answer replace it.
 */
const attributionRank = (col: SQL | string) =>
  sql`(case ${typeof col === 'string' ? sql.raw(col) : col} when 'click_id' then 5 when 'utm' then 4 when 'referrer' then 3 when 'platform_source' then 2 when 'pending' then 1 else 0 end)`;

// Fields the newest platform version decides (by platform updated_at).
const CORE = ['name', 'processed_at', 'platform_updated_at', 'value', 'currency', 'test', 'cancelled_at', 'channel', 'in_scope', 'scope_reason'] as const;
// Evidence only one path may carry (webhooks have the UA/IP, the pull the journey): keep what is known.
const EVIDENCE = ['browser', 'browser_major', 'os', 'os_major', 'days_to_conversion', 'first_visit_at'] as const;
// Personal data for resend: filled while not purged.
const PII = ['email_sha256', 'phone_sha256', 'external_id_sha256', 'ip', 'user_agent', 'ttclid', 'ttp'] as const;
const ATTRIBUTION = ['attribution', 'attribution_visit', 'utm_source', 'referrer_host'] as const;

const col = (c: string) => sql.raw(`"orders"."${c}"`);
const ex = (c: string) => sql.raw(`excluded."${c}"`);
const newer = sql`(${col('platform_updated_at')} is null or ${ex('platform_updated_at')} is null or ${ex('platform_updated_at')} >= ${col('platform_updated_at')})`;
// The Shopify pull is the one source that reads the customer journey (and the only one that says
// `pending` or `unknown`): its answer without TikTok evidence replaces what it said before — a
// ready journey turns `pending` into `none`, a withheld one into `unknown`, and a journey readable
// again (protected-data access granted) turns `unknown` into `none`.
const JOURNEY_SOURCE: NewOrderRow['source'] = 'shopify_pull';
const pendingResolved = sql`(${col('attribution')} in ('pending', 'unknown') and ${ex('attribution')} in ('none', 'unknown') and ${ex('source')} = ${sql.raw(`'${JOURNEY_SOURCE}'`)})`;
const takesNewAttribution = sql`(${attributionRank('excluded."attribution"')} > ${attributionRank('"orders"."attribution"')} or ${pendingResolved})`;

/**
 * Whether a version of the order says nothing about TikTok Shop either way: no email (Shopify
 * withholds protected data, and the placeholder address is the marketplace sign) and no channel of
 * the store's own checkout (a TikTok Shop connector's source_name is an app id like a headless shop's).
 */
const webChannels = sql.raw(WEB_CHANNEL_IDS.map((c) => `'${c}'`).join(', '));
const saysNothingOfMarketplace = (v: typeof col) =>
  sql`(${v('email_sha256')} is null and coalesce(lower(trim(${v('channel')})), '') not in (${webChannels}))`;
// A marketplace verdict stands against a version without evidence, whichever is newer.
const marketplaceKept = sql`(${col('scope_reason')} = 'marketplace' and ${ex('in_scope')} and ${saysNothingOfMarketplace(ex)})`;
const marketplaceLearned = sql`(${ex('scope_reason')} = 'marketplace' and ${col('in_scope')} and ${saysNothingOfMarketplace(col)})`;
const SCOPE = ['in_scope', 'scope_reason'];

function mergedValue(c: string): SQL {
  if (SCOPE.includes(c)) return sql`case when ${marketplaceKept} then ${col(c)} when ${marketplaceLearned} or ${newer} then ${ex(c)} else ${col(c)} end`;
  if ((CORE as readonly string[]).includes(c)) return sql`case when ${newer} then ${ex(c)} else ${col(c)} end`;
  if ((ATTRIBUTION as readonly string[]).includes(c)) return sql`case when ${takesNewAttribution} then ${ex(c)} else ${col(c)} end`;
  if ((PII as readonly string[]).includes(c)) return sql`case when ${col('pii_purged_at')} is null then coalesce(${ex(c)}, ${col(c)}) else ${col(c)} end`;
  return sql`coalesce(${ex(c)}, ${col(c)})`;
}

const MERGED_COLUMNS = [...CORE, ...EVIDENCE, ...PII, ...ATTRIBUTION];

const mergeSet = sql.join(
  [...MERGED_COLUMNS.map((c) => sql`${sql.identifier(c)} = ${mergedValue(c)}`), sql`"updated_at" = now()`],
  sql`, `,
);
const fromJsonRows = jsonRowsSourceOf(orders, 'json');
// Only rows whose merged values differ are written: a repeated sync or duplicate webhook changes nothing.
const changed = sql.join(
  MERGED_COLUMNS.map((c) => sql`${col(c)} is distinct from ${mergedValue(c)}`),
  sql` or `,
);

/**
 * The merge as a CTE named `merged` (one row per written order, `inserted` true for new ones), from
 * the rows' JSON (rowsJsonWithoutNulls); `guard` may add a WHERE to the source select (the webhook path's dedup check).
 */
export const mergeOrdersCte = (rowsJson: SQL, guard?: SQL) => sql`merged as (
      insert into ${orders} ${fromJsonRows(rowsJson)} ${guard ?? sql``}
      on conflict (store_id, platform_id) do update set ${mergeSet}
      where ${changed}
      returning (xmax = 0) as inserted
    )`;

/** Counts of the `merged` CTE, as `inserted` and `updated`. */
export const MERGED_COUNTS = sql`(select count(*) filter (where inserted) from merged)::int as inserted, (select count(*) filter (where not inserted) from merged)::int as updated`;

// Rendered once: only the rows' JSON is bound per call.
const upsertStatement = prerendered<{ inserted: number; updated: number }>(1, (rowsJson) => sql`with ${mergeOrdersCte(rowsJson)} select ${MERGED_COUNTS}`);

/**
 * Inserts or merges orders on (store, platform id) — every ingest path ends here. At most one row
 * per order (Postgres cannot merge a row twice in one statement).
 * Returns how many were inserted and updated; the rest were unchanged.
 */
export async function upsertOrders(db: Db, rows: NewOrderRow[]): Promise<{ inserted: number; updated: number }> {
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  const [result] = await upsertStatement(db, rowsJsonWithoutNulls(rows));
  return { inserted: Number(result?.inserted ?? 0), updated: Number(result?.updated ?? 0) };
}

export interface OrderWindow {
  storeId: string;
  from: Date;
  /** Exclusive. */
  to: Date;
  limit?: number;
}

export const listOrders = (db: Db, w: OrderWindow) =>
  db
    .select()
    .from(orders)
    .where(and(eq(orders.storeId, w.storeId), gte(orders.processedAt, w.from), lt(orders.processedAt, w.to)))
    .orderBy(asc(orders.processedAt), asc(orders.platformId))
    .limit(w.limit ?? 100_000);

export async function getOrder(db: Db, storeId: string, platformId: string): Promise<OrderRow | undefined> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.storeId, storeId), eq(orders.platformId, platformId)));
  return row;
}

/** Nulls hashes, IP, user agent, ttclid and ttp of orders processed before the store's retention cut-off. */
export async function purgeOrderPii(db: Db, storeId: string, before: Date): Promise<number> {
  const result = await db
    .update(orders)
    .set({ emailSha256: null, phoneSha256: null, externalIdSha256: null, ip: null, userAgent: null, ttclid: null, ttp: null, piiPurgedAt: new Date() })
    .where(and(eq(orders.storeId, storeId), lt(orders.processedAt, before), sql`${orders.piiPurgedAt} is null`))
    .returning({ id: orders.id });
  return result.length;
}

/** UTC days (YYYY-MM-DD) holding orders whose attribution is still pending: the next sync re-reads them. */
export async function pendingAttributionDays(db: Db, storeId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ day: sql<string>`to_char(${orders.processedAt} at time zone 'UTC', 'YYYY-MM-DD')` })
    .from(orders)
    .where(and(eq(orders.storeId, storeId), eq(orders.attribution, 'pending')));
  return rows.map((r) => r.day).sort();
}
