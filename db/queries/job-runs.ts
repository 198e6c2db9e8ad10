import { and, desc, eq, gte, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { jobRuns } from '../schema';

export type JobRun = typeof jobRuns.$inferSelect;

/**
 * Claims one fire of a task: an id for exactly one process across all that try. A fire whose run
 * failed (or was abandoned) can be claimed again a minute after, so a later start runs it once
 * more; processes racing for the same fire never run a fast failure twice.
 */
export async function claimJobRun(db: Db, task: string, fireTime: Date, claimedBy: string): Promise<number | undefined> {
  const [row] = await db
    .insert(jobRuns)
    .values({ task, fireTime, claimedBy })
    .onConflictDoUpdate({
      target: [jobRuns.task, jobRuns.fireTime],
      set: { status: 'running', claimedBy, startedAt: sql`now()`, finishedAt: null, durationMs: null, counts: null, error: null },
      setWhere: and(eq(jobRuns.status, 'error'), lt(jobRuns.finishedAt, sql`now() - interval '1 minute'`)),
    })
    .returning({ id: jobRuns.id });
  return row?.id;
}

export async function finishJobRun(
  db: Db,
  id: number,
  result: { status: 'ok' | 'error'; durationMs: number; counts?: Record<string, number>; error?: string },
) {
  await db
    .update(jobRuns)
    .set({ status: result.status, finishedAt: new Date(), durationMs: result.durationMs, counts: result.counts ?? null, error: result.error ?? null })
    .where(eq(jobRuns.id, id));
}

/** Whether a fire at or after `fireTime` ran or is running; a failed one does not count. */
export async function hasRunAtOrAfter(db: Db, task: string, fireTime: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: jobRuns.id })
    .from(jobRuns)
    .where(and(eq(jobRuns.task, task), gte(jobRuns.fireTime, fireTime), ne(jobRuns.status, 'error')))
    .limit(1);
  return Boolean(row);
}

/** The newest fire of a task that ran or is running (a failed one does not count). */
export async function lastRunFireTime(db: Db, task: string): Promise<Date | undefined> {
  const [row] = await db
    .select({ fireTime: jobRuns.fireTime })
    .from(jobRuns)
    .where(and(eq(jobRuns.task, task), ne(jobRuns.status, 'error')))
    .orderBy(desc(jobRuns.fireTime))
    .limit(1);
  return row?.fireTime;
}

export const listJobRuns = (db: Db, opts: { task?: string; limit?: number } = {}) =>
  db
    .select()
    .from(jobRuns)
    .where(opts.task ? eq(jobRuns.task, opts.task) : undefined)
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(opts.limit ?? 50);

export async function lastRunPerTask(db: Db): Promise<Map<string, JobRun>> {
  const rows = await db
    .selectDistinctOn([jobRuns.task])
    .from(jobRuns)
    .orderBy(jobRuns.task, desc(jobRuns.fireTime));
  return new Map(rows.map((r) => [r.task, r]));
}

/** A run left 'running' by a process that died is marked failed so history tells the truth. */
export async function failStaleRuns(db: Db, olderThan: Date) {
  await db
    .update(jobRuns)
    .set({ status: 'error', error: 'abandoned: the process running it stopped', finishedAt: sql`now()` })
    .where(and(eq(jobRuns.status, 'running'), lt(jobRuns.startedAt, olderThan)));
}

export async function pruneJobRuns(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(jobRuns).where(lt(jobRuns.startedAt, before)).returning({ id: jobRuns.id });
  return rows.length;
}
