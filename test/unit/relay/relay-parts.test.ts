import { describe, expect, it, vi } from 'vitest';
import { TtlCache } from '@/lib/stores/cache';
import { classifyTikTokResponse as classify } from '@/lib/tiktok/client';
import { fixLabel, relayRequestId, sameSecret } from '@/lib/relay/relay';
import { parseImportLine } from '@/lib/relay/import';

describe('TtlCache', () => {
  it('answers a hit synchronously, shares one load between concurrent misses, and expires', async () => {
    let now = 0;
    const load = vi.fn(async (k: string) => (k === 'known' ? `v:${k}` : undefined));
    const cache = new TtlCache<string>(load, { ttlMs: 1000, negativeTtlMs: 100, clock: () => now });
    const [a, b] = await Promise.all([cache.get('known'), cache.get('known')]);
    expect([a, b]).toEqual(['v:known', 'v:known']);
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.get('known')).toBe('v:known'); // sync
    expect(await cache.get('unknown')).toBeNull();
    now = 150; // the miss expired, the hit did not
    expect(cache.get('known')).toBe('v:known');
    await cache.get('unknown');
    expect(load).toHaveBeenCalledTimes(3);
    now = 2000;
    expect(cache.get('known')).toBeInstanceOf(Promise);
  });

  it('forgets an entry on request only once it is old enough, so the next get reloads it', async () => {
    let now = 0;
    const load = vi.fn(async (k: string) => `${k}@${now}`);
    const cache = new TtlCache<string>(load, { ttlMs: 30_000, clock: () => now });
    await cache.get('shop');
    now = 500;
    expect(cache.forgetIfOlderThan('shop', 1000)).toBe(false);
    expect(cache.get('shop')).toBe('shop@0');
    now = 1000;
    expect(cache.forgetIfOlderThan('shop', 1000)).toBe(true);
    expect(await cache.get('shop')).toBe('shop@1000');
    expect(cache.forgetIfOlderThan('never-loaded', 0)).toBe(false);
  });

  it('stays bounded and caches nothing with a zero TTL', async () => {
    const cache = new TtlCache<string>(async (k) => k, { ttlMs: 1000, max: 2 });
    for (const k of ['a', 'b', 'c']) await cache.get(k);
    expect(cache.get('a')).toBeInstanceOf(Promise); // evicted
    const load = vi.fn(async (k: string) => k);
    const none = new TtlCache<string>(load, { ttlMs: 0 });
    await none.get('x');
    await none.get('x');
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('classify (the live send)', () => {
  const json = (body: unknown, status = 200) => ({ status, contentType: 'application/json', bodyText: JSON.stringify(body) });
  it.each([
    ['accepted', json({ code: 0, message: 'OK', request_id: 'r', data: {} }), 'ok', undefined],
    ['throttled', json({ code: 40100, message: 'Too many requests.' }), 'transient', 'rate_limited'],
    ['server code', json({ code: 50000, message: 'Internal' }), 'transient', 'server_error'],
    ['HTML 503', { status: 503, contentType: 'text/html', bodyText: '<html>503</html>' }, 'transient', 'server_error'],
    ['HTTP 429', { status: 429, contentType: 'text/plain', bodyText: 'slow down' }, 'transient', 'rate_limited'],
    ['refused', json({ code: 40002, message: 'Invalid value for event_id' }), 'permanent', undefined],
  ] as const)('%s', (_name, raw, kind, reason) => {
    const o = classify(raw);
    expect(o.kind).toBe(kind);
    if (reason) expect(o).toMatchObject({ reason });
  });

  it('keeps the answer byte for byte and marks a non-TikTok answer as code null', () => {
    const raw = { status: 200, contentType: 'application/json', bodyText: '{"code":0,  "message":"OK","request_id":"x"}' };
    const o = classify(raw);
    expect(o.kind === 'ok' && o.response.bodyText).toBe(raw.bodyText);
    const html = classify({ status: 404, contentType: 'text/html', bodyText: '<h1>Not Found</h1>' });
    expect(html).toMatchObject({ kind: 'permanent', code: null });
  });
});

describe('relay helpers', () => {
  it('request ids look like TikTok’s', () => {
    expect(relayRequestId(Date.UTC(2026, 5, 2, 17, 55, 22))).toMatch(/^20260602175522[0-9A-F]{20}$/);
  });
  it('compares secrets by value, whatever the length', () => {
    expect(sameSecret('token-1', 'token-1')).toBe(true);
    expect(sameSecret('token-1', 'token-2')).toBe(false);
    expect(sameSecret('short', 'a-much-longer-token')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
  });
  it('labels a fix by path, action and code', () => {
    expect(fixLabel('user.phone', { path: 'data[0].user.phone', code: 'unhashed_phone', action: 'hashed' })).toBe('user.phone:hashed:unhashed_phone');
  });
});

describe('parseImportLine', () => {
  it('takes one event, or a whole request body', () => {
    expect(parseImportLine('{"event":"Purchase","event_id":"1"}')).toEqual({ events: [{ event: { event: 'Purchase', event_id: '1' }, testEventCode: null, eventSource: undefined }] });
    const r = parseImportLine(JSON.stringify({ event_source: 'web', test_event_code: 'T', data: [{ event: 'A' }, { event: 'B' }] }));
    expect('events' in r && r.events.map((e) => [e.event.event, e.testEventCode, e.eventSource])).toEqual([
      ['A', 'T', 'web'],
      ['B', 'T', 'web'],
    ]);
  });
  it.each([
    ['{"event":', /JSON/],
    ['[1]', /JSON object/],
    ['"text"', /JSON object/],
    ['{"event_id":"1"}', /"event"/],
    ['{"event":"  "}', /"event"/],
    ['{"data":[]}', /empty/],
    ['{"data":[{"event":"A"},3]}', /data\[1\]/],
  ])('refuses %s', (line, reason) => {
    const r = parseImportLine(line);
    expect('error' in r && r.error).toMatch(reason);
  });
});
