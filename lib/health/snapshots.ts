/**
 * Health snapshots (DESIGN.md §4): rows written in one transaction, recomputable, never edited
 * by hand. Saving the same (store, kind, from, to) again replaces the earlier computation.
 */
import type { Db } from '@/db/client';
import * as q from '@/db/queries/health';
import { AppError } from '@/lib/http/errors';
import { computeHealth } from './compute';
import type { HealthReport } from './types';
import { assertWindow, previousIsoWeek, rolling7, type DayWindow } from './windows';

export type SnapshotKind = q.SnapshotKind;
export type HealthSnapshot = q.HealthSnapshot;
export { latestSnapshots, listSnapshots, getSnapshot } from '@/db/queries/health';

export interface SaveSnapshotInput {
  storeId: string;
  kind: SnapshotKind;
  from: string;
  to: string;
  report: HealthReport;
}

export async function saveSnapshot(db: Db, input: SaveSnapshotInput): Promise<HealthSnapshot> {
  assertWindow(input);
  if (!q.SNAPSHOT_KINDS.includes(input.kind)) {
    throw new AppError('validation_failed', `kind: must be one of ${q.SNAPSHOT_KINDS.join(', ')}`);
  }
  const { report } = input;
  if (report.store !== input.storeId || report.from !== input.from || report.to !== input.to) {
    throw new AppError(
      'validation_failed',
      `the report is for ${report.store} ${report.from}..${report.to}, not ${input.storeId} ${input.from}..${input.to}`,
    );
  }
  return db.transaction((tx) =>
    q.upsertSnapshot(tx, {
      storeId: input.storeId,
      kind: input.kind,
      windowFrom: input.from,
      windowTo: input.to,
      settled: report.settled,
      metrics: report,
      computedAt: new Date(report.computedAt),
    }),
  );
}

/** The window a snapshot kind covers at `now` (adhoc windows are given by the caller). */
export function snapshotWindow(kind: Exclude<SnapshotKind, 'adhoc'>, now: Date = new Date()): DayWindow {
  return kind === 'weekly' ? previousIsoWeek(now) : rolling7(now);
}

/**
 * Computes a window's report and saves it as a snapshot, in one transaction. Repeatable read here:
 * computeHealth's own request for it becomes a savepoint inside this transaction, which cannot set it.
 */
export async function snapshotHealth(
  db: Db,
  input: { storeId: string; kind: SnapshotKind; from: string; to: string; now?: Date },
): Promise<{ report: HealthReport; snapshot: HealthSnapshot }> {
  return db.transaction(
    async (tx) => {
      const report = await computeHealth(tx, input);
      const snapshot = await saveSnapshot(tx, { ...input, report });
      return { report, snapshot };
    },
    { isolationLevel: 'repeatable read' },
  );
}
