import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { selectRows, type Db } from '../client';
import { jsonRowsSource } from './json-rows';
import { orders } from '../schema';

export type OrderRow = typeof orders.$inferSelect;
export type NewOrderRow = typeof orders.$inferInsert;

/** Evidence strength: a merge keeps the stronger attribution; `pending` outranks `none` so it is re-read. */
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
const strongerAttribution = sql`${attributionRank('excluded."attribution"')} > ${attributionRank('"orders"."attribution"')}`;

function mergedValue(c: string): SQL {
  if ((CORE as readonly string[]).includes(c)) return sql`case when ${newer} then ${ex(c)} else ${col(c)} end`;
  if ((ATTRIBUTION as readonly string[]).includes(c)) return sql`case when ${strongerAttribution} then ${ex(c)} else ${col(c)} end`;
  if ((PII as readonly string[]).includes(c)) return sql`case when ${col('pii_purged_at')} is null then coalesce(${ex(c)}, ${col(c)}) else ${col(c)} end`;
  return sql`coalesce(${ex(c)}, ${col(c)})`;
}

const MERGED_COLUMNS = [...CORE, ...EVIDENCE, ...PII, ...ATTRIBUTION];

const mergeSet = sql.join(
  [...MERGED_COLUMNS.map((c) => sql`${sql.identifier(c)} = ${mergedValue(c)}`), sql`"updated_at" = now()`],
  sql`, `,
);
const fromJsonRows = jsonRowsSource(orders);
// Only rows whose merged values differ are written: a repeated sync or duplicate webhook changes nothing.
const changed = sql.join(
  MERGED_COLUMNS.map((c) => sql`${col(c)} is distinct from ${mergedValue(c)}`),
  sql` or `,
);

/**
 * Inserts or merges orders on (store, platform id) — every ingest path ends here.
 * Returns how many were inserted and updated; the rest were unchanged.
 */
export async function upsertOrders(db: Db, rows: NewOrderRow[]): Promise<{ inserted: number; updated: number }> {
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  const [result] = await selectRows<{ inserted: number; updated: number }>(
    db,
    sql`with merged as (
      insert into ${orders} ${fromJsonRows(rows)}
      on conflict (store_id, platform_id) do update set ${mergeSet}
      where ${changed}
      returning (xmax = 0) as inserted
    ) select (count(*) filter (where inserted))::int as inserted, (count(*) filter (where not inserted))::int as updated from merged`,
  );
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
