/** Small node:http helpers for the fast paths server.ts answers without Next's router. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, toErrorBody } from './errors';

/** Reads the body up to `limit` bytes; over it → 413 without buffering the rest. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      return reject(new AppError('payload_too_large', `body is over the ${limit}-byte limit`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new AppError('payload_too_large', `body is over the ${limit}-byte limit`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}) {
  const { status, body } = toErrorBody(err);
  sendJson(res, status, body, headers);
}

export function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'body is not valid JSON');
  }
}

export const isLoopback = (req: IncomingMessage) => {
  const a = req.socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
};

/** A fast-path route: returns true when it handled the request. */
export type FastRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;
