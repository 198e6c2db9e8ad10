/**
 * A bare node:http server with the /api/collect fast route on a test database (no Next), as
 * server.ts mounts it. Other paths answer 404. Optionally serves static files from a map.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@/db/client';
import { createCollectRoute, type CollectRoute, type CollectRouteOptions } from '@/lib/ingest/collect';

export interface CollectServer {
  url: string;
  route: CollectRoute;
  close(): Promise<void>;
}

export async function startCollectServer(
  db: Db,
  opts: Omit<CollectRouteOptions, 'db'> & { files?: Record<string, { type: string; body: string }> } = {},
): Promise<CollectServer> {
  const route = createCollectRoute({ db, ...opts });
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (await route(req, res, url)) return;
    const file = opts.files?.[url.pathname];
    if (file && req.method === 'GET') {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
      res.end(file.body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    route,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await route.close();
    },
  };
}
