/**
 * lib/health: reconciliation metrics (DESIGN.md §4, docs/metrics.md), snapshots, windows and the
 * CLI rendering.
 */
export { computeHealth, buildBridge, matchQuality, rate, type HealthQuery } from './compute';
export { formatHealthReport, formatBridge, fmtInt, fmtPct, fmtSigned } from './format';
export {
  saveSnapshot,
  snapshotHealth,
  snapshotWindow,
  latestSnapshots,
  listSnapshots,
  getSnapshot,
  type SaveSnapshotInput,
  type SnapshotKind,
  type HealthSnapshot,
} from './snapshots';
export {
  previousIsoWeek,
  rolling7,
  isSettled,
  settlesAt,
  isoWeekLabel,
  windowBounds,
  windowDays,
  assertWindow,
  addDays,
  utcDay,
  isDay,
  type DayWindow,
} from './windows';
export * from './definitions';
export type * from './types';
