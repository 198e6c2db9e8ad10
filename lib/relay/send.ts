/**
 * The relay's live request to TikTok: the exact bytes it was given (forward mode must not
 * re-serialize the shop's body), one attempt, a short timeout, and TikTok's answer kept byte for
 * byte so the shop gets it back unchanged. Classified like lib/tiktok's client.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { classifyTikTokResponse, TRACK_PATH, type SendOutcome } from '@/lib/tiktok/client';

export interface LiveSenderOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs: number;
}

export type LiveSender = (accessToken: string, body: string | Uint8Array) => Promise<SendOutcome>;

export function createLiveSender(opts: LiveSenderOptions): LiveSender & { close(): void } {
  const url = new URL(opts.baseUrl.replace(/\/+$/, '') + TRACK_PATH);
  if (opts.fetch) return Object.assign(fetchSender(url, opts.fetch, opts.timeoutMs), { close() {} });
  return nodeSender(url, opts.timeoutMs);
}

/** node:http(s) with a keep-alive pool: measurably lighter per request than fetch on the hot path. */
function nodeSender(url: URL, timeoutMs: number): LiveSender & { close(): void } {
  const secure = url.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 256 }) : new HttpAgent({ keepAlive: true, maxSockets: 256 });
  const doRequest = secure ? httpsRequest : httpRequest;
  const sender: LiveSender = (accessToken, body) =>
    new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const done = (o: SendOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const req = doRequest(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'Access-Token': accessToken,
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'Content-Length': String(payload.byteLength),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ct = res.headers['content-type'];
            done(classifyTikTokResponse({ status: res.statusCode ?? 0, contentType: ct ?? null, bodyText: Buffer.concat(chunks).toString('utf8') }));
          });
          res.on('error', (err) => done({ kind: 'transient', reason: 'network', message: err.message }));
        },
      );
      const timer = setTimeout(() => {
        done({ kind: 'transient', reason: 'timeout', message: `no complete answer from TikTok within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err) => done({ kind: 'transient', reason: 'network', message: err.message }));
      req.end(payload);
    });
  return Object.assign(sender, { close: () => agent.destroy() });
}

function fetchSender(url: URL, fetchImpl: typeof fetch, timeoutMs: number): LiveSender {
  return async (accessToken, body) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'Access-Token': accessToken, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: body as BodyInit,
        signal: controller.signal,
      });
      const bodyText = await response.text();
      return classifyTikTokResponse({ status: response.status, contentType: response.headers.get('content-type'), bodyText });
    } catch (error) {
      if (controller.signal.aborted) {
        return { kind: 'transient', reason: 'timeout', message: `no complete answer from TikTok within ${timeoutMs} ms` };
      }
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { kind: 'transient', reason: 'network', message: `${error instanceof Error ? error.message : String(error)}${cause}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

