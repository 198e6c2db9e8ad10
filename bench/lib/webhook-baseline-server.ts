/**
 * Child process: the baseline for the Shopify webhook bench. A bare node:http server that reads
 * the raw body, verifies the same HMAC (secret held in memory) and inserts one row per request
 * with postgres.js — no Next, no store lookup, no secret decryption, no transaction.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import postgres from 'postgres';
import { childReady } from './common';

const sql = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {}, prepare: true });
const secret = process.env.BENCH_WEBHOOK_SECRET!;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const raw = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-shopify-hmac-sha256'] ?? ''), 'base64');
      const expected = createHmac('sha256', secret).update(raw).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      const order = JSON.parse(raw.toString('utf8')) as { id: number; total_price: string; currency: string; processed_at: string };
      await sql`insert into baseline_webhook_orders (webhook_id, order_id, value, currency, processed_at)
                values (${String(req.headers['x-shopify-webhook-id'])}, ${String(order.id)}, ${order.total_price}, ${order.currency}, ${order.processed_at})`;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"processed"}');
    } catch (err) {
      res.writeHead(500).end(String((err as Error).message));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  childReady((server.address() as { port: number }).port, async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await sql.end({ timeout: 5 });
  });
});
