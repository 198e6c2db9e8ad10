import type { Db } from '../client';
import { auditLog } from '../schema';

export async function recordAudit(
  db: Db,
  entry: { actor: string; storeId?: string | null; action: string; details?: Record<string, unknown> },
) {
  await db.insert(auditLog).values({ ...entry, details: entry.details ?? {} });
}
