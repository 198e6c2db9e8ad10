import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTikTokClient,
  TikTokApiError,
  type EventsApiBody,
  type EventsApiEvent,
  type TikTokClientOptions,
} from '@/lib/tiktok/client';
import { startFakeTikTok, type FakeTikTok } from '@/sandbox/tiktok/server';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const PIXEL = {
  advertiserId: '7100000000000000001',
  pixelCode: 'CCLIENTPIXEL01',
  pixelId: '7087488643342467073',
  eventsToken: 'client-events-token',
  marketingToken: 'client-marketing-token',
};
/** An advertiser with 25 pixels: two pages of the pixel list, three stats requests. */
const MANY = {
  advertiserId: '7100000000000000002',
  marketingToken: 'many-marketing-token',
  pixels: Array.from({ length: 25 }, (_, i) => ({
    pixelCode: `CMANY${String(i).padStart(2, '0')}`,
    pixelId: `70874886433424670${String(i).padStart(2, '0')}`,
  })),
};

/** 2026-06-01 12:00:00 UTC */
const T0 = Date.UTC(2026, 5, 1, 12) / 1000;

let fake: FakeTikTok;
let sleeps: number[];

beforeAll(async () => {
  fake = await startFakeTikTok({ port: 0, pixels: [PIXEL] });
  for (const pixel of MANY.pixels) {
    fake.controls.addPixel({ ...pixel, advertiserId: MANY.advertiserId, eventsToken: 'many-events', marketingToken: MANY.marketingToken });
  }
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.controls.reset();
  sleeps = [];
});

function client(options: Partial<TikTokClientOptions> = {}) {
  return createTikTokClient({
    baseUrl: fake.url,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
}

function purchase(eventId: string | number, overrides: Partial<EventsApiEvent> = {}): EventsApiEvent {
  return {
    event: 'Purchase',
    event_time: T0,
    event_id: eventId,
    user: { email: sha256('jane@example.com'), ttclid: 'E.C.P.1' },
    properties: { currency: 'USD', value: 10 },
    ...overrides,
  };
}

function body(data: EventsApiEvent[]): EventsApiBody {
  return { event_source: 'web', event_source_id: PIXEL.pixelCode, data };
}

function request(data: EventsApiEvent[], accessToken = PIXEL.eventsToken) {
  return { accessToken, body: body(data) };
}

const events = (count: number) => Array.from({ length: count }, (_, i) => purchase(`order-${i}`));

describe('sendOnce', () => {
  it('returns ok with the envelope and the body exactly as TikTok sent it', async () => {
    const outcome = await client().sendOnce(request([purchase('order-1')]));
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.response.envelope).toMatchObject({ code: 0, message: 'OK' });
    expect(JSON.parse(outcome.response.bodyText)).toEqual(outcome.response.envelope);
    expect(outcome.response.status).toBe(200);
  });

  it('sends a numeric event_id as a string', async () => {
    const outcome = await client().sendOnce(request([purchase(5551234567)]));
    expect(outcome.kind).toBe('ok');
    expect(fake.controls.events()[0].eventId).toBe('5551234567');
  });

  it.each([
    ['an empty token', () => request([purchase('a')], ''), 40104],
    ['an unknown token', () => request([purchase('a')], 'wrong'), 40105],
    ['an unknown pixel', () => ({ ...request([purchase('a')]), body: { ...body([purchase('a')]), event_source_id: 'CNOPE' } }), 40001],
    ['an invalid event', () => request([purchase('a', { event_time: T0 * 1000 })]), 40002],
    ['an invalid value', () => request([purchase('a', { properties: { currency: 'USD', value: 'ten' as unknown as number } })]), 40002],
  ])('classifies a refusal for %s as permanent with code %i and no retry', async (_name, makeRequest, code) => {
    const outcome = await client().sendOnce(makeRequest());
    expect(outcome).toMatchObject({ kind: 'permanent', code });
    expect(fake.controls.requestCounts().eventTrack).toBe(1);
  });

  it('sends hashed keys only: a raw email or phone is normalized and hashed on the way, and TikTok accepts it', async () => {
    const raw = purchase('raw-pii', { user: { email: ' Jane@Example.com', phone: '+1 213 373 4253' } });
    const outcome = await client().sendOnce(request([raw]));
    expect(outcome.kind).toBe('ok');
    expect(fake.controls.events({ eventId: 'raw-pii' })).toEqual([expect.objectContaining({ matchKeys: expect.arrayContaining(['email', 'phone']) })]);
    expect(raw.user).toEqual({ email: ' Jane@Example.com', phone: '+1 213 373 4253' }); // the caller's body is left alone
  });

  it('classifies throttling (40100) as transient rate_limited', async () => {
    fake.controls.setMode({ fault: 'throttle' });
    const outcome = await client().sendOnce(request([purchase('a')]));
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'rate_limited', response: { envelope: { code: 40100 } } });
  });

  it('classifies an HTTP 503 HTML outage as transient, keeping the HTML', async () => {
    fake.controls.setMode({ fault: 'outage_html' });
    const outcome = await client().sendOnce(request([purchase('a')]));
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'server_error', message: 'HTTP 503' });
    if (outcome.kind !== 'transient') return;
    expect(outcome.response?.envelope).toBeUndefined();
    expect(outcome.response?.bodyText).toContain('<html>');
  });

  it('classifies code 50000 as transient', async () => {
    fake.controls.setMode({ fault: 'outage_code' });
    expect(await client().sendOnce(request([purchase('a')]))).toMatchObject({ kind: 'transient', reason: 'server_error' });
  });

  it('classifies a timeout as transient, though TikTok may have received the event', async () => {
    fake.controls.setMode({ latencyMs: 300 });
    const outcome = await client({ timeoutMs: 50 }).sendOnce(request([purchase('a')]));
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'timeout' });
    // Why retries rely on event_id: the timed-out request was processed.
    expect(fake.controls.summary().received).toBe(1);
  });

  it('classifies a refused connection as transient', async () => {
    const port = await closedPort();
    const outcome = await client({ baseUrl: `http://127.0.0.1:${port}` }).sendOnce(request([purchase('a')]));
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'network' });
  });

  it('classifies a non-JSON HTTP 200 as a permanent protocol error and HTTP 429 as transient', async () => {
    const answer = (status: number, text: string) => async () => new Response(text, { status });
    const html = await client({ fetch: answer(200, '<html>maintenance</html>') }).sendOnce(request([purchase('a')]));
    expect(html).toMatchObject({ kind: 'permanent', code: null, message: expect.stringContaining('without a TikTok envelope') });
    const tooMany = await client({ fetch: answer(429, 'slow down') }).sendOnce(request([purchase('a')]));
    expect(tooMany).toMatchObject({ kind: 'transient', reason: 'rate_limited' });
  });

  it('refuses to put more than 1,000 events on the wire', async () => {
    await expect(client().sendOnce(request(events(1001)))).rejects.toThrow(RangeError);
    expect(fake.controls.requestCounts().eventTrack).toBe(0);
  });
});

describe('trackEvents', () => {
  it('retries throttling with exponential backoff and full jitter, then succeeds', async () => {
    fake.controls.setMode({ fault: 'throttle', faultCount: 2 });
    const outcomes = await client().trackEvents(request([purchase('a')]));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['ok']);
    expect(fake.controls.requestCounts().eventTrack).toBe(3);
    // random() = 0.5 → half of 100·2^0 and 100·2^1.
    expect(sleeps).toEqual([50, 100]);
  });

  it('retries an HTML outage, then succeeds', async () => {
    fake.controls.setMode({ fault: 'outage_html', faultCount: 1 });
    const outcomes = await client().trackEvents(request([purchase('a')]));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['ok']);
    expect(fake.controls.summary().counted).toBe(1);
  });

  it('gives up after maxAttempts and returns the transient outcome', async () => {
    fake.controls.setMode({ fault: 'throttle' });
    const [outcome] = await client().trackEvents(request([purchase('a')]));
    expect(outcome.kind).toBe('transient');
    expect(fake.controls.requestCounts().eventTrack).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('does not retry a permanent refusal', async () => {
    const [outcome] = await client().trackEvents(request([purchase('a')], 'wrong'));
    expect(outcome).toMatchObject({ kind: 'permanent', code: 40105 });
    expect(sleeps).toEqual([]);
  });

  it('chunks 1,001 events into two requests the fake accepts', async () => {
    const outcomes = await client().trackEvents(request(events(1001)));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['ok', 'ok']);
    expect(fake.controls.requestCounts().eventTrack).toBe(2);
    expect(fake.controls.summary()).toMatchObject({ received: 1001, counted: 1001 });
  });
});

describe('deliverBatch', () => {
  it('isolates one refused event by splitting and delivers the others', async () => {
    const data = events(10);
    data[6] = purchase('order-6', { properties: { currency: 'USD', value: 'ten' as unknown as number } });
    const results = await client().deliverBatch(request(data));

    expect(results.filter((result) => result.status === 'accepted').map((result) => result.index)).toEqual([
      0, 1, 2, 3, 4, 5, 7, 8, 9,
    ]);
    expect(results[6]).toMatchObject({ index: 6, status: 'rejected', code: 40002, message: expect.stringContaining('value') });
    expect(fake.controls.summary()).toMatchObject({ received: 9, counted: 9 });
    expect(fake.controls.events({ eventId: 'order-6' })).toEqual([]);
    // 10 → 5+5 → (5 ok) 3+2 → 2+1 … : a handful of requests, not one per event.
    expect(fake.controls.requestCounts().eventTrack).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(10)));
  });

  it('isolates several refused events', async () => {
    const data = events(8);
    data[0] = purchase('order-0', { event_id: 7 as unknown as string, event_time: T0 * 1000 });
    data[5] = purchase('order-5', { event: '' });
    const results = await client().deliverBatch(request(data));
    expect(results.map((result) => result.status)).toEqual([
      'rejected',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'rejected',
      'accepted',
      'accepted',
    ]);
    expect(results[0]).toMatchObject({ code: 40002 });
    expect(results[5]).toMatchObject({ code: 40002, message: expect.stringContaining('event') });
  });

  it('does not split a refusal about the token', async () => {
    const results = await client().deliverBatch(request(events(10), 'wrong'));
    expect(results.every((result) => result.status === 'rejected' && result.code === 40105)).toBe(true);
    expect(fake.controls.requestCounts().eventTrack).toBe(1);
  });

  it('retries transient failures and reports events still failing as failed_transient', async () => {
    fake.controls.setMode({ fault: 'outage_code', faultCount: 1 });
    const recovered = await client().deliverBatch(request(events(3)));
    expect(recovered.map((result) => result.status)).toEqual(['accepted', 'accepted', 'accepted']);

    fake.controls.setMode({ fault: 'outage_html' });
    const failed = await client().deliverBatch(request(events(3)));
    expect(failed).toEqual(
      [0, 1, 2].map((index) => ({ index, status: 'failed_transient', reason: 'server_error', message: 'HTTP 503' })),
    );
  });

  it('delivers 1,001 events in two requests', async () => {
    const results = await client().deliverBatch(request(events(1001)));
    expect(results).toHaveLength(1001);
    expect(results.every((result) => result.status === 'accepted')).toBe(true);
    expect(fake.controls.requestCounts().eventTrack).toBe(2);
  });
});

describe('listPixels', () => {
  it('maps a pixel code to its id', async () => {
    const pixels = await client().listPixels({ accessToken: PIXEL.marketingToken, advertiserId: PIXEL.advertiserId, code: PIXEL.pixelCode });
    expect(pixels).toEqual([{ pixelId: PIXEL.pixelId, pixelCode: PIXEL.pixelCode, pixelName: `Pixel ${PIXEL.pixelCode}` }]);
  });

  it('follows page_info through every page', async () => {
    const pixels = await client().listPixels({ accessToken: MANY.marketingToken, advertiserId: MANY.advertiserId });
    expect(pixels.map((pixel) => pixel.pixelCode)).toEqual(MANY.pixels.map((pixel) => pixel.pixelCode));
    expect(fake.controls.requestCounts().pixelList).toBe(2);
  });

  it('throws a TikTokApiError on a refusal', async () => {
    const error = await client()
      .listPixels({ accessToken: 'wrong', advertiserId: PIXEL.advertiserId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikTokApiError);
    expect(error).toMatchObject({ kind: 'permanent', code: 40105, httpStatus: 200 });
  });
});

describe('getPurchaseStats', () => {
  async function seed() {
    await client().trackEvents(request([purchase('a'), purchase('b', { user: {} }), purchase('c', { event_time: T0 + 86_400 })]));
    const response = await fetch(`${fake.url}/sandbox/pixel/track`, {
      method: 'POST',
      body: JSON.stringify({
        events: [
          { pixel_code: PIXEL.pixelCode, event: 'CompletePayment', event_id: 'a', timestamp: T0 + 60 },
          { pixel_code: PIXEL.pixelCode, event: 'CompletePayment', event_id: 'd', timestamp: T0 },
        ],
      }),
    });
    expect(response.status).toBe(200);
  }

  it('reads the SHOPPING row for one UTC day', async () => {
    await seed();
    const stats = await client().getPurchaseStats({
      accessToken: PIXEL.marketingToken,
      advertiserId: PIXEL.advertiserId,
      pixelIds: [PIXEL.pixelId],
      day: '2026-06-01',
    });
    expect(stats).toEqual([{ pixelId: PIXEL.pixelId, total: 3, browser: 1, server: 2, attributed: 1, eventType: 'SHOPPING' }]);
  });

  it('uses browser + server when total_count is missing', async () => {
    await seed();
    fake.controls.setMode({ statsTotalCount: 'omitted' });
    const [stats] = await client().getPurchaseStats({
      accessToken: PIXEL.marketingToken,
      advertiserId: PIXEL.advertiserId,
      pixelIds: [PIXEL.pixelId],
      day: '2026-06-01',
    });
    expect(stats.total).toBe(3);
  });

  it('chunks more than 10 pixel ids and answers zeros for pixels without purchases', async () => {
    const stats = await client().getPurchaseStats({
      accessToken: MANY.marketingToken,
      advertiserId: MANY.advertiserId,
      pixelIds: MANY.pixels.map((pixel) => pixel.pixelId),
      day: '2026-06-01',
    });
    expect(stats).toHaveLength(25);
    expect(stats[24]).toEqual({ pixelId: MANY.pixels[24].pixelId, total: 0, browser: 0, server: 0, attributed: 0, eventType: null });
    expect(fake.controls.requestCounts().pixelStats).toBe(3);
  });

  it('retries a transient failure', async () => {
    fake.controls.setMode({ fault: 'outage_html', faultCount: 2 });
    const stats = await client().getPurchaseStats({
      accessToken: PIXEL.marketingToken,
      advertiserId: PIXEL.advertiserId,
      pixelIds: [PIXEL.pixelId],
      day: '2026-06-01',
    });
    expect(stats[0].total).toBe(0);
    expect(fake.controls.requestCounts().pixelStats).toBe(3);
  });

  it('refuses a malformed day without calling TikTok', async () => {
    const call = client().getPurchaseStats({
      accessToken: PIXEL.marketingToken,
      advertiserId: PIXEL.advertiserId,
      pixelIds: [PIXEL.pixelId],
      day: '2026-02-30',
    });
    await expect(call).rejects.toThrow(RangeError);
    expect(fake.controls.requestCounts().pixelStats).toBe(0);
  });
});

/** A port nothing listens on: bind one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
