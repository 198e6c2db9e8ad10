import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { selectRows, type Db } from '../client';
import { healthSnapshots } from '../schema';

export type HealthSnapshot = typeof healthSnapshots.$inferSelect;
export type SnapshotKind = HealthSnapshot['kind'];
export const SNAPSHOT_KINDS = ['weekly', 'rolling7', 'adhoc'] as const satisfies readonly SnapshotKind[];

export interface SnapshotValues {
  storeId: string;
  kind: SnapshotKind;
  windowFrom: string;
  windowTo: string;
  settled: boolean;
  metrics: unknown;
  computedAt?: Date;
}

/** Inserts the snapshot or replaces the one for the same (store, kind, from, to). */
export async function upsertSnapshot(db: Db, v: SnapshotValues): Promise<HealthSnapshot> {
  const computedAt = v.computedAt ?? new Date();
  const [row] = await db
    .insert(healthSnapshots)
    .values({ ...v, computedAt })
    .onConflictDoUpdate({
      target: [healthSnapshots.storeId, healthSnapshots.kind, healthSnapshots.windowFrom, healthSnapshots.windowTo],
      set: { settled: v.settled, metrics: v.metrics, computedAt },
    })
    .returning();
  return row!;
}

export async function getSnapshot(db: Db, storeId: string, kind: SnapshotKind, windowFrom: string, windowTo: string) {
  const [row] = await db
    .select()
    .from(healthSnapshots)
    .where(
      and(
        eq(healthSnapshots.storeId, storeId),
        eq(healthSnapshots.kind, kind),
        eq(healthSnapshots.windowFrom, windowFrom),
        eq(healthSnapshots.windowTo, windowTo),
      ),
    );
  return row;
}

/** A store's snapshots of one kind, newest window first. */
export function listSnapshots(db: Db, storeId: string, kind: SnapshotKind, opts: { limit?: number } = {}): Promise<HealthSnapshot[]> {
  return db
    .select()
    .from(healthSnapshots)
    .where(and(eq(healthSnapshots.storeId, storeId), eq(healthSnapshots.kind, kind)))
    .orderBy(desc(healthSnapshots.windowTo), desc(healthSnapshots.windowFrom), desc(healthSnapshots.computedAt))
    .limit(opts.limit ?? 100);
}

/**
 * The newest window of each kind for a store (one row per kind), or only of `kind` when given.
 * "Newest" = latest window end, then latest start, then latest computation.
 */
export function latestSnapshots(db: Db, storeId: string, kind?: SnapshotKind): Promise<HealthSnapshot[]> {
  return db
    .selectDistinctOn([healthSnapshots.kind])
    .from(healthSnapshots)
    .where(kind ? and(eq(healthSnapshots.storeId, storeId), eq(healthSnapshots.kind, kind)) : eq(healthSnapshots.storeId, storeId))
    .orderBy(healthSnapshots.kind, desc(healthSnapshots.windowTo), desc(healthSnapshots.windowFrom), desc(healthSnapshots.computedAt));
}

/** Snapshots still provisional (for recomputation once their window settles). */
export function unsettledSnapshots(db: Db, storeId: string): Promise<HealthSnapshot[]> {
  return db
    .select()
    .from(healthSnapshots)
    .where(and(eq(healthSnapshots.storeId, storeId), sql`not ${healthSnapshots.settled}`))
    .orderBy(healthSnapshots.windowTo);
}

/** The report fields the overview and the trend charts read; a full report is ~15 KB of JSON. */
export const SUMMARY_FIELDS = [
  'orders',
  'reported',
  'reportedGap',
  'browserCoverage',
  'serverCoverage',
  'eitherCoverage',
  'bothCoverage',
  'dedupRate',
  'doubleCounts',
  'matchQualityEstimate',
] as const;
export type SnapshotSummary = Omit<HealthSnapshot, 'metrics'> & {
  summary: Record<(typeof SUMMARY_FIELDS)[number], number | null>;
};

/**
 * Summaries of the chosen snapshots. `jsonb_to_record` reads each report once; `metrics->'field'`
 * per field would decompress the whole ~15 KB report again for every field.
 */
function selectSummaries(db: Db, chosenIds: SQL): Promise<SnapshotSummary[]> {
  const fields = sql.join(
    SUMMARY_FIELDS.map((f) => sql`${sql.identifier(f)} float8`),
    sql`, `,
  );
  return selectRows<SnapshotSummary>(
    db,
    sql`select h.id, h.store_id as "storeId", h.kind, h.window_from::text as "windowFrom", h.window_to::text as "windowTo",
               h.settled, h.computed_at as "computedAt", to_jsonb(r) as summary
        from ${healthSnapshots} h cross join lateral jsonb_to_record(h.metrics) as r(${fields})
        where h.id in (${chosenIds})
        order by h.store_id, h.window_to desc, h.window_from desc, h.computed_at desc`,
  );
}

const NEWEST_WINDOW_FIRST = sql`window_to desc, window_from desc, computed_at desc`;

/** A store's snapshots of one kind as summaries, newest window first. */
export function listSnapshotSummaries(db: Db, storeId: string, kind: SnapshotKind, opts: { limit?: number } = {}): Promise<SnapshotSummary[]> {
  return selectSummaries(
    db,
    sql`select id from ${healthSnapshots} where store_id = ${storeId} and kind = ${kind}
        order by ${NEWEST_WINDOW_FIRST} limit ${opts.limit ?? 100}`,
  );
}

/**
 * One summary per store, in one query: the newest snapshot of the first of `kinds` the store has
 * (e.g. rolling-7, else weekly).
 */
export function latestSummaryPerStore(db: Db, kinds: readonly SnapshotKind[]): Promise<SnapshotSummary[]> {
  const kindList = sql.join(
    kinds.map((k) => sql`${k}`),
    sql`, `,
  );
  return selectSummaries(
    db,
    sql`select distinct on (store_id) id from ${healthSnapshots} where kind in (${kindList})
        order by store_id, array_position(array[${kindList}]::text[], kind), ${NEWEST_WINDOW_FIRST}`,
  );
}
