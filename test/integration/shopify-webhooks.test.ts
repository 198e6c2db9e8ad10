import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isShopifyTestNotification,
  mapWebhookOrder,
  ORDER_TOPICS,
  readShopifyWebhookHeaders,
  verifyShopifyHmac,
  type ShopifyWebhookHeaders,
} from '@/lib/commerce/shopify';
import type { OrderInput } from '@/lib/commerce/types';
import { sendWebhooks, startFakeShopify, testNotificationPayload, type FakeShopify } from '@/sandbox/shopify';

const SECRETS = ['current-secret', 'previous-secret'];

interface Receiver {
  url: string;
  /** Every request that reached the handler, including ones it refused. */
  hits: ShopifyWebhookHeaders[];
  /** Orders recorded once per webhook id. */
  recorded: Map<string, OrderInput>;
  close(): Promise<void>;
}

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/**
 * A minimal webhook endpoint the way Signalwatch should write one: verify the HMAC over the raw
 * bytes, deduplicate on X-Shopify-Webhook-Id, ignore the test notification.
 */
async function startReceiver(behaviour: { failFirstAttemptOf?: Map<string, number>; slowFirstAttemptMs?: number } = {}): Promise<Receiver> {
  const hits: ShopifyWebhookHeaders[] = [];
  const recorded = new Map<string, OrderInput>();
  const attemptsSeen = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const raw = await readRaw(req);
    let headers: ShopifyWebhookHeaders;
    try {
      headers = readShopifyWebhookHeaders(req.headers);
    } catch {
      return res.writeHead(401).end();
    }
    hits.push(headers);
    if (!verifyShopifyHmac(raw, headers.hmac, SECRETS)) return res.writeHead(401).end();
    const attempt = (attemptsSeen.get(headers.webhookId) ?? 0) + 1;
    attemptsSeen.set(headers.webhookId, attempt);
    if (attempt === 1 && behaviour.slowFirstAttemptMs) await new Promise((r) => setTimeout(r, behaviour.slowFirstAttemptMs));
    const body: unknown = JSON.parse(raw.toString('utf8'));
    const firstAnswer = attempt === 1 ? behaviour.failFirstAttemptOf?.get(String((body as { id: unknown }).id)) : undefined;
    if (firstAnswer) return res.writeHead(firstAnswer).end();
    if (!isShopifyTestNotification(body) && !recorded.has(headers.webhookId)) {
      recorded.set(headers.webhookId, mapWebhookOrder(body));
    }
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shopify`,
    hits,
    recorded,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(receiver);
  return receiver;
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function shopWithOrders(count: number): Promise<FakeShopify> {
  const shop = await startFakeShopify();
  servers.push(shop);
  shop.controls.addOrders(
    Array.from({ length: count }, (_, i) => ({
      processedAt: new Date(Date.UTC(2025, 2, 1, 10, i)),
      total: 20 + i,
      email: `shopper${i}@example.com`,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)',
      clientIp: '203.0.113.7',
      lastVisit: { landingPage: `https://shop.example/p/${i}?ttclid=click-${i}`, referrerUrl: 'https://www.tiktok.com/' },
      customAttributes: { _ttp: `ttp-${i}`, note: 'Grüße ✓' },
    })),
  );
  return shop;
}

describe('fake Shopify webhook sender → a verifying receiver (real HTTP)', () => {
  it('signs, retries, duplicates and reorders like Shopify; the receiver keeps each delivery once', async () => {
    const shop = await shopWithOrders(10);
    const orders = shop.controls.orders();
    // A 4xx is retried like a 5xx: Shopify retries every answer that is not 2xx.
    const receiver = await startReceiver({ failFirstAttemptOf: new Map([[String(orders[2]!.id), 503], [String(orders[5]!.id), 409]]) });

    const reports = await sendWebhooks({
      targetUrl: receiver.url,
      secret: SECRETS[0]!,
      shopDomain: shop.shopDomain,
      deliveries: orders.map((o, i) => ({ topic: ORDER_TOPICS[i % ORDER_TOPICS.length]!, payload: shop.controls.restPayloadFor(o.id) })),
      duplicate: 0.3,
      reorder: true,
      retries: 2,
      retryDelayMs: 5,
    });

    expect(reports).toHaveLength(13);
    expect(reports.every((r) => r.delivered)).toBe(true);
    const duplicates = reports.filter((r) => r.duplicate);
    expect(duplicates).toHaveLength(3);
    const originals = new Set(reports.filter((r) => !r.duplicate).map((r) => r.webhookId));
    expect(originals.size).toBe(10);
    for (const d of duplicates) expect(originals.has(d.webhookId)).toBe(true);

    const retried = reports.filter((r) => !r.duplicate && r.attempts.length === 2);
    expect(retried).toHaveLength(2);
    expect(retried.map((r) => r.attempts).sort()).toEqual([[409, 200], [503, 200]]);

    // Each delivery is recorded once, whatever the retries and duplicates.
    expect(receiver.recorded.size).toBe(10);
    expect(receiver.hits.length).toBe(13 + 2);
    const arrivalOrder = [...receiver.recorded.values()].map((o) => o.platformId);
    const creationOrder = orders.map((o) => String(o.id));
    expect([...arrivalOrder].sort()).toEqual([...creationOrder].sort());
    // Reordered: deliveries do not arrive in the order the events happened.
    expect(arrivalOrder).not.toEqual(creationOrder);
    const sample = [...receiver.recorded.values()].find((o) => o.platformId === String(orders[4]!.id));
    expect(sample).toMatchObject({
      value: 24,
      ttclid: 'click-4',
      ttp: 'ttp-4',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)',
      visits: { last: { landingPage: '/p/4?ttclid=click-4', referrerUrl: 'https://www.tiktok.com/' } },
    });
    expect(receiver.hits[0]).toMatchObject({ shopDomain: shop.shopDomain, apiVersion: '2025-10', eventId: expect.any(String) });
    expect(receiver.hits[0]!.triggeredAt).toBeInstanceOf(Date);
  });

  it('is accepted with the previous secret; refused with an unknown one on every retry, never recorded', async () => {
    const shop = await shopWithOrders(1);
    const receiver = await startReceiver();
    const payload = shop.controls.restPayloadFor(shop.controls.orders()[0]!.id);

    const [previous] = await sendWebhooks({
      targetUrl: receiver.url,
      secret: 'previous-secret',
      shopDomain: shop.shopDomain,
      deliveries: [{ topic: 'orders/paid', payload }],
    });
    const [forged] = await sendWebhooks({
      targetUrl: receiver.url,
      secret: 'forged',
      shopDomain: shop.shopDomain,
      deliveries: [{ topic: 'orders/paid', payload }],
      retries: 3,
      retryDelayMs: 5,
    });

    expect(previous).toMatchObject({ delivered: true, attempts: [200] });
    expect(forged).toMatchObject({ delivered: false, attempts: [401, 401, 401, 401] });
    expect(receiver.recorded.size).toBe(1);
  });

  it('retries a delivery that was not answered within the timeout, with the same webhook id', async () => {
    const shop = await shopWithOrders(1);
    const receiver = await startReceiver({ slowFirstAttemptMs: 400 });

    const [report] = await sendWebhooks({
      targetUrl: receiver.url,
      secret: SECRETS[0]!,
      shopDomain: shop.shopDomain,
      deliveries: [{ topic: 'orders/create', payload: shop.controls.restPayloadFor(shop.controls.orders()[0]!.id) }],
      timeoutMs: 150,
      retries: 1,
      retryDelayMs: 5,
    });

    expect(report).toMatchObject({ delivered: true, attempts: ['timeout', 200] });
    expect(new Set(receiver.hits.map((h) => h.webhookId)).size).toBe(1);
  });

  it('delivers the admin test notification, which the receiver accepts without recording', async () => {
    const receiver = await startReceiver();
    const [report] = await sendWebhooks({
      targetUrl: receiver.url,
      secret: SECRETS[0]!,
      shopDomain: 'x.myshopify.com',
      deliveries: [{ topic: 'orders/create', payload: testNotificationPayload() }],
    });
    expect(report).toMatchObject({ delivered: true });
    expect(receiver.recorded.size).toBe(0);
  });

  it('can be triggered over HTTP by another process', async () => {
    const shop = await shopWithOrders(2);
    const receiver = await startReceiver();
    const ids = shop.controls.orders().map((o) => o.id);

    const response = await fetch(`${shop.url}/__sandbox/webhooks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        targetUrl: receiver.url,
        secret: SECRETS[0],
        orderDeliveries: ids.map((orderId) => ({ topic: 'orders/updated', orderId })),
      }),
    });

    expect(response.status).toBe(200);
    expect(((await response.json()) as unknown[]).length).toBe(2);
    expect(receiver.recorded.size).toBe(2);
    expect(receiver.hits.every((h) => h.topic === 'orders/updated' && h.shopDomain === shop.shopDomain)).toBe(true);
  });
});
