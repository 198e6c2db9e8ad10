import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { webhookDeliveries } from '../schema';
import { prerendered, rowsJsonWithoutNulls } from './json-rows';
import { MERGED_COUNTS, mergeOrdersCte, type NewOrderRow } from './orders';

export type NewWebhookDelivery = typeof webhookDeliveries.$inferInsert;

/** Records a delivery; false when this webhook id was already recorded (a duplicate or retry). */
export async function recordWebhookDelivery(db: Db, delivery: NewWebhookDelivery): Promise<boolean> {
  const rows = await db.insert(webhookDeliveries).values(delivery).onConflictDoNothing().returning({ id: webhookDeliveries.id });
  return rows.length > 0;
}

/*
 * The delivery and the order merge in ONE statement: the merge reads only rows of a delivery
 * that was new, so a duplicate or retried webhook id writes nothing, and both writes commit or
 * fail together without begin/commit round trips (one statement instead of three).
 */
const deliveryWithOrder = prerendered<{ fresh: number; inserted: number; updated: number }>(
  7,
  (storeId, platform, webhookId, topic, resourceId, outcome, rowsJson) => sql`with delivery as (
      insert into ${webhookDeliveries} (store_id, platform, webhook_id, topic, resource_id, outcome)
      values (${storeId}, ${platform}, ${webhookId}, ${topic}, ${resourceId}, ${outcome})
      on conflict do nothing
      returning 1
    ), ${mergeOrdersCte(rowsJson, sql`where exists (select 1 from delivery)`)}
    select (select count(*) from delivery)::int as fresh, ${MERGED_COUNTS}`,
);

/**
 * Records a delivery and, when its webhook id is new, merges `rows` (at most one per order) the
 * way upsertOrders does. `fresh` is false for a duplicate or retry, which changed nothing.
 */
export async function recordWebhookDeliveryWithOrders(
  db: Db,
  delivery: Omit<NewWebhookDelivery, 'id' | 'receivedAt'>,
  rows: NewOrderRow[],
): Promise<{ fresh: boolean; inserted: number; updated: number }> {
  const [r] = await deliveryWithOrder(
    db,
    delivery.storeId,
    delivery.platform,
    delivery.webhookId,
    delivery.topic,
    delivery.resourceId ?? null,
    delivery.outcome,
    rowsJsonWithoutNulls(rows),
  );
  return { fresh: Number(r?.fresh ?? 0) > 0, inserted: Number(r?.inserted ?? 0), updated: Number(r?.updated ?? 0) };
}
