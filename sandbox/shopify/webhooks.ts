import { createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Delivers webhooks the way Shopify does: REST-shaped JSON signed with base64 HMAC-SHA256 over
 * the raw bytes, every X-Shopify-* header, one X-Shopify-Webhook-Id per delivery (kept on retries
 * and duplicates), retries after any non-2xx answer, timeouts (5 s) and network errors, duplicates,
 * no ordering.
 */

export interface WebhookDelivery {
  topic: string;
  payload: unknown;
}

export interface SendWebhooksOptions {
  targetUrl: string;
  secret: string;
  shopDomain: string;
  deliveries: WebhookDelivery[];
  apiVersion?: string;
  /** Share of deliveries (0..1) sent a second time with the same webhook id. */
  duplicate?: number;
  /** Shuffle the sending order. */
  reorder?: boolean;
  /** Extra attempts after a non-2xx answer, a timeout or a network error (Shopify makes 8, over 4 hours). */
  retries?: number;
  retryDelayMs?: number;
  /** Shopify gives up on a delivery that is not answered within 5 s. */
  timeoutMs?: number;
  /** Makes duplicate selection and reordering reproducible. */
  seed?: number;
}

export type AttemptOutcome = number | 'timeout' | 'network_error';

export interface DeliveryReport {
  topic: string;
  webhookId: string;
  eventId: string;
  duplicate: boolean;
  attempts: AttemptOutcome[];
  delivered: boolean;
}

/** Body of POST /__sandbox/webhooks: deliveries name orders of the fake by id. */
export const webhookRequestSchema = z.object({
  targetUrl: z.url(),
  secret: z.string().min(1),
  shopDomain: z.string().optional(),
  orderDeliveries: z.array(z.object({ topic: z.string().min(1), orderId: z.number().int() })).min(1),
  duplicate: z.number().min(0).max(1).optional(),
  reorder: z.boolean().optional(),
  retries: z.number().int().min(0).max(8).optional(),
  retryDelayMs: z.number().int().min(0).optional(),
});

interface PreparedDelivery {
  topic: string;
  body: Buffer;
  webhookId: string;
  eventId: string;
  triggeredAt: string;
  duplicate: boolean;
}

export function signShopifyBody(body: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export async function sendWebhooks(options: SendWebhooksOptions): Promise<DeliveryReport[]> {
  const random = seededRandom(options.seed ?? 1);
  const prepared: PreparedDelivery[] = options.deliveries.map((d) => ({
    topic: d.topic,
    body: Buffer.from(JSON.stringify(d.payload), 'utf8'),
    webhookId: randomUUID(),
    eventId: randomUUID(),
    triggeredAt: new Date().toISOString(),
    duplicate: false,
  }));

  const duplicateCount = Math.round((options.duplicate ?? 0) * prepared.length);
  const queue = [...prepared];
  for (const original of shuffle([...prepared], random).slice(0, duplicateCount)) {
    queue.push({ ...original, duplicate: true });
  }
  if (options.reorder) shuffle(queue, random);

  const reports: DeliveryReport[] = [];
  for (const delivery of queue) reports.push(await deliver(delivery, options));
  return reports;
}

async function deliver(delivery: PreparedDelivery, options: SendWebhooksOptions): Promise<DeliveryReport> {
  const attempts: AttemptOutcome[] = [];
  const maxAttempts = 1 + (options.retries ?? 0);
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'Shopify-Captain-Hook',
    'X-Shopify-Topic': delivery.topic,
    'X-Shopify-Hmac-Sha256': signShopifyBody(delivery.body, options.secret),
    'X-Shopify-Shop-Domain': options.shopDomain,
    'X-Shopify-API-Version': options.apiVersion ?? '2025-10',
    'X-Shopify-Webhook-Id': delivery.webhookId,
    'X-Shopify-Triggered-At': delivery.triggeredAt,
    'X-Shopify-Event-Id': delivery.eventId,
  };
  while (attempts.length < maxAttempts) {
    if (attempts.length > 0) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 50));
    let outcome: AttemptOutcome;
    try {
      const response = await fetch(options.targetUrl, {
        method: 'POST',
        headers,
        body: Uint8Array.from(delivery.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      await response.arrayBuffer();
      outcome = response.status;
    } catch (err) {
      outcome = err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'network_error';
    }
    attempts.push(outcome);
    // Shopify retries every answer that is not 2xx (a 401 or 404 too), not only 5xx.
    if (isSuccess(outcome)) break;
  }
  return {
    topic: delivery.topic,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    duplicate: delivery.duplicate,
    attempts,
    delivered: isSuccess(attempts.at(-1)),
  };
}

function isSuccess(outcome: AttemptOutcome | undefined): boolean {
  return typeof outcome === 'number' && outcome >= 200 && outcome < 300;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** mulberry32: small, deterministic, good enough to pick duplicates. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
