import type { Db } from '../client';
import { webhookDeliveries } from '../schema';

export type NewWebhookDelivery = typeof webhookDeliveries.$inferInsert;

/** Records a delivery; false when this webhook id was already recorded (a duplicate or retry). */
export async function recordWebhookDelivery(db: Db, delivery: NewWebhookDelivery): Promise<boolean> {
  const rows = await db.insert(webhookDeliveries).values(delivery).onConflictDoNothing().returning({ id: webhookDeliveries.id });
  return rows.length > 0;
}
