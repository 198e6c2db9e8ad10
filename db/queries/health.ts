import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
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

const summaryColumns = {
  id: healthSnapshots.id,
  storeId: healthSnapshots.storeId,
  kind: healthSnapshots.kind,
  windowFrom: healthSnapshots.windowFrom,
  windowTo: healthSnapshots.windowTo,
  settled: healthSnapshots.settled,
  computedAt: healthSnapshots.computedAt,
  summary: sql<SnapshotSummary['summary']>`jsonb_build_object(${sql.join(
    SUMMARY_FIELDS.map((f) => sql`${f}::text, ${healthSnapshots.metrics}->${f}::text`),
    sql`, `,
  )})`,
};
const newestWindowFirst = [desc(healthSnapshots.windowTo), desc(healthSnapshots.windowFrom), desc(healthSnapshots.computedAt)];

/** A store's snapshots of one kind as summaries, newest window first. */
export function listSnapshotSummaries(db: Db, storeId: string, kind: SnapshotKind, opts: { limit?: number } = {}): Promise<SnapshotSummary[]> {
  return db
    .select(summaryColumns)
    .from(healthSnapshots)
    .where(and(eq(healthSnapshots.storeId, storeId), eq(healthSnapshots.kind, kind)))
    .orderBy(...newestWindowFirst)
    .limit(opts.limit ?? 100);
}

/**
 * One summary per store, in one query: the newest snapshot of the first of `kinds` the store has
 * (e.g. rolling-7, else weekly).
 */
export function latestSummaryPerStore(db: Db, kinds: readonly SnapshotKind[]): Promise<SnapshotSummary[]> {
  const preference = sql`array_position(array[${sql.join(
    kinds.map((k) => sql`${k}`),
    sql`, `,
  )}]::text[], ${healthSnapshots.kind})`;
  return db
    .selectDistinctOn([healthSnapshots.storeId], summaryColumns)
    .from(healthSnapshots)
    .where(inArray(healthSnapshots.kind, [...kinds]))
    .orderBy(healthSnapshots.storeId, preference, ...newestWindowFirst);
}
