/**
 * Child process: the floor for /api/collect — a bare node:http server doing the same JSON parse
 * and the same batched insert (db/queries/browser-events.ts) into the same database, nothing else.
 */
const { createServer } = await import('node:http');
const { openDatabase } = await import('../../db/client');
const { insertBrowserEvents } = await import('../../db/queries/browser-events');
const { childReady } = await import('./common');

const handle = process.env.DATABASE_URL
  ? await openDatabase({ url: process.env.DATABASE_URL })
  : await openDatabase({ dataDir: `${process.env.SIGNALWATCH_DATA_DIR}/pglite` });
const storeId = process.env.BENCH_STORE_ID!;
let queue: Parameters<typeof insertBrowserEvents>[1] = [];
let writing = Promise.resolve();
const flush = () => {
  const rows = queue;
  queue = [];
  if (rows.length) writing = writing.then(() => insertBrowserEvents(handle.db, rows).then(() => undefined));
  return writing;
};
const timer = setInterval(flush, 1000);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const b = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    queue.push({ storeId, beaconId: b.id, eventName: b.events?.[0]?.name ?? null, eventId: b.events?.[0]?.event_id ?? null, orderId: b.order_id ?? null });
    if (queue.length >= 500) void flush();
    res.writeHead(202, { 'access-control-allow-origin': '*' });
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  childReady((server.address() as { port: number }).port, async () => {
    clearInterval(timer);
    server.close();
    await flush();
    await handle.close();
  });
});
export {};
