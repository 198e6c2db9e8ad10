import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTikTok, type FakeTikTok, type LedgerEvent } from '@/sandbox/tiktok/server';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const PIXEL = {
  advertiserId: '7000000000000000001',
  pixelCode: 'CFAKEPIXEL0001',
  pixelId: '6987488643342467073',
  eventsToken: 'events-token-1',
  marketingToken: 'marketing-token-1',
};
const OTHER_PIXEL = {
  advertiserId: '7000000000000000002',
  pixelCode: 'CFAKEPIXEL0002',
  pixelId: '6987488643342467074',
  eventsToken: 'events-token-2',
  marketingToken: 'marketing-token-2',
};

const MINUTE = 60;
const HOUR = 3600;
/** 2026-06-01 12:00:00 UTC */
const T0 = Date.UTC(2026, 5, 1, 12) / 1000;

let fake: FakeTikTok;

beforeAll(async () => {
  fake = await startFakeTikTok({ port: 0, pixels: [PIXEL, OTHER_PIXEL] });
});
afterAll(() => fake.close());
beforeEach(() => fake.controls.reset());

function serverEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'Purchase',
    event_time: T0,
    event_id: 'order-1',
    user: { email: sha256('jane@example.com'), ip: '203.0.113.7', user_agent: 'Mozilla/5.0' },
    properties: { currency: 'USD', value: 59.45, contents: [{ content_id: 'SKU-1', quantity: 1 }] },
    page: { url: 'https://shop.example/thank_you' },
    ...overrides,
  };
}

function trackBody(data: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_source: 'web', event_source_id: PIXEL.pixelCode, data, ...extra };
}

async function postTrack(body: unknown, token: string | null = PIXEL.eventsToken, path = '/open_api/v1.3/event/track/') {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers['Access-Token'] = token;
  const response = await fetch(fake.url + path, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function sendServer(...events: Record<string, unknown>[]) {
  const { json } = await postTrack(trackBody(events));
  expect(json.code).toBe(0);
}

async function sendPixel(...events: Record<string, unknown>[]) {
  const response = await fetch(`${fake.url}/sandbox/pixel/track`, {
    method: 'POST',
    body: JSON.stringify({ events: events.map((event) => ({ pixel_code: PIXEL.pixelCode, ...event })) }),
  });
  expect(response.status).toBe(200);
}

async function marketingGet(path: string, params: Record<string, string>, token = PIXEL.marketingToken) {
  const url = new URL(fake.url + path);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { headers: { 'Access-Token': token } });
  return { status: response.status, json: await response.json() };
}

function stats(pixelIds: string[], start: string, end = start, token?: string) {
  return marketingGet(
    '/open_api/v1.3/pixel/event/stats/',
    {
      advertiser_id: PIXEL.advertiserId,
      pixel_ids: JSON.stringify(pixelIds),
      date_range: JSON.stringify({ start_date: start, end_date: end }),
    },
    token,
  );
}

function statuses(events: LedgerEvent[]) {
  return events.map((event) => ({ leg: event.leg, eventTime: event.eventTime, status: event.status }));
}

describe('POST /open_api/v1.3/event/track/', () => {
  it('accepts a valid batch with HTTP 200, code 0 and a TikTok-style request id', async () => {
    const { status, json } = await postTrack(trackBody([serverEvent(), serverEvent({ event_id: 'order-2' })]));
    expect(status).toBe(200);
    expect(json).toMatchObject({ code: 0, message: 'OK', data: {} });
    expect(json.request_id).toMatch(/^\d{14}[0-9A-F]{20}$/);
    expect(fake.controls.summary()).toMatchObject({ received: 2, counted: 2 });
    expect(fake.controls.events()[0]).toMatchObject({
      leg: 'server',
      eventId: 'order-1',
      value: 59.45,
      currency: 'USD',
      matchKeys: ['email', 'ip', 'user_agent'],
    });
  });

  it('accepts the path without its trailing slash', async () => {
    const { json } = await postTrack(trackBody([serverEvent()]), PIXEL.eventsToken, '/open_api/v1.3/event/track');
    expect(json.code).toBe(0);
  });

  it('accepts exactly 1,000 events', async () => {
    const data = Array.from({ length: 1000 }, (_, i) => serverEvent({ event_id: `order-${i}` }));
    const { json } = await postTrack(trackBody(data));
    expect(json.code).toBe(0);
    expect(fake.controls.summary().counted).toBe(1000);
  });

  const refusals: { name: string; body: () => unknown; token?: string | null; code: number; message: string | RegExp }[] = [
    { name: 'a missing token', body: () => trackBody([serverEvent()]), token: null, code: 40104, message: /Access token is null/ },
    { name: 'an unknown token', body: () => trackBody([serverEvent()]), token: 'nope', code: 40105, message: /incorrect or has been revoked/ },
    {
      name: "another pixel's token",
      body: () => trackBody([serverEvent()]),
      token: OTHER_PIXEL.eventsToken,
      code: 40001,
      message: `No permission to operate pixel code: ${PIXEL.pixelCode}. You must be an admin or operator of this advertiser account.`,
    },
    {
      name: 'an unknown pixel code',
      body: () => trackBody([serverEvent()], { event_source_id: 'CUNKNOWN' }),
      code: 40001,
      message: 'No permission to operate pixel code: CUNKNOWN. You must be an admin or operator of this advertiser account.',
    },
    {
      name: 'a numeric event_id (naming field and index)',
      body: () => trackBody([serverEvent(), serverEvent({ event_id: 'b' }), serverEvent({ event_id: 12345 })]),
      code: 40002,
      message: 'Invalid value for event_id: not a valid string. (data[2])',
    },
    {
      name: 'event_source inside data[]',
      body: () => trackBody([serverEvent({ event_source: 'web' })]),
      code: 40002,
      message: 'Invalid value for event_source: unknown field. (data[0])',
    },
    { name: 'empty data', body: () => trackBody([]), code: 40002, message: /Invalid value for data: shorter than minimum length 1/ },
    {
      name: '1,001 events',
      body: () => trackBody(Array.from({ length: 1001 }, (_, i) => serverEvent({ event_id: `o-${i}` }))),
      code: 40061,
      message: /Invalid batch size/,
    },
    {
      name: 'an unhashed email',
      body: () => trackBody([serverEvent({ user: { email: 'jane@example.com' } })]),
      code: 40062,
      message: /PII not hashed: user\.email .*\(data\[0\]\)/,
    },
    {
      name: 'an unhashed phone in an array',
      body: () => trackBody([serverEvent({ user: { phone: [sha256('+12133734253'), '+12133734253'] } })]),
      code: 40062,
      message: /PII not hashed: user\.phone/,
    },
    {
      name: 'event_time in milliseconds',
      body: () => trackBody([serverEvent({ event_time: T0 * 1000 })]),
      code: 40002,
      message: /Invalid value for event_time: must be a Unix timestamp in seconds/,
    },
    {
      name: 'a missing event_source',
      body: () => ({ event_source_id: PIXEL.pixelCode, data: [serverEvent()] }),
      code: 40002,
      message: /Invalid value for event_source/,
    },
    {
      name: 'a string value',
      body: () => trackBody([serverEvent({ properties: { value: '59.45', currency: 'USD' } })]),
      code: 40002,
      message: 'Invalid value for value: not a valid number. (data[0])',
    },
    {
      name: 'a numeric content_id',
      body: () => trackBody([serverEvent({ properties: { contents: [{ content_id: 1 }] } })]),
      code: 40002,
      message: 'Invalid value for content_id: not a valid string. (data[0])',
    },
    { name: 'a body that is not JSON', body: () => '{"data": [', code: 40000, message: /not valid JSON/ },
  ];

  it.each(refusals)('refuses $name with code $code, HTTP 200, recording nothing', async ({ body, token, code, message }) => {
    const { status, json } = await postTrack(body(), token === undefined ? PIXEL.eventsToken : token);
    expect(status).toBe(200);
    expect(json.code).toBe(code);
    if (typeof message === 'string') expect(json.message).toBe(message);
    else expect(json.message).toMatch(message);
    expect(json.request_id).toBeTypeOf('string');
    expect(fake.controls.summary().received).toBe(0);
  });
});

describe('deduplication (event time is the arrival time)', () => {
  it('drops a same-leg repeat within 48 h and counts one after 48 h as new', async () => {
    await sendServer(serverEvent({ event_time: T0 }));
    await sendServer(serverEvent({ event_time: T0 + 47 * HOUR }));
    await sendServer(serverEvent({ event_time: T0 + 48 * HOUR + 1 }));
    expect(statuses(fake.controls.events())).toEqual([
      { leg: 'server', eventTime: T0, status: 'counted' },
      { leg: 'server', eventTime: T0 + 47 * HOUR, status: 'dropped' },
      { leg: 'server', eventTime: T0 + 48 * HOUR + 1, status: 'counted' },
    ]);
    expect(fake.controls.events()[1].dropReason).toBe('same_leg_repeat');
  });

  it('drops a pixel repeat within 48 h', async () => {
    await sendPixel({ event: 'Purchase', event_id: 'order-1', timestamp: T0 });
    await sendPixel({ event: 'Purchase', event_id: 'order-1', timestamp: T0 + 10 * HOUR });
    expect(fake.controls.summary()).toMatchObject({ counted: 1, dropped: 1 });
  });

  it('merges the other leg within 5 min: the first counts and the later one enriches it', async () => {
    await sendPixel({ event: 'Purchase', event_id: 'order-1', timestamp: T0, ttp: 'ttp-1' });
    await sendServer(serverEvent({ event_time: T0 + 5 * MINUTE, user: { email: sha256('a@b.co'), ttclid: 'E.C.P.1' } }));
    const [first, second] = fake.controls.events();
    expect(first).toMatchObject({ leg: 'browser', status: 'counted', attributed: true });
    expect(first.enrichedMatchKeys).toEqual(expect.arrayContaining(['ttp', 'email', 'ttclid']));
    expect(second).toMatchObject({ leg: 'server', status: 'merged', duplicateOf: first.seq });

    const { json } = await stats([PIXEL.pixelId], '2026-06-01');
    expect(json.data.list[0].statistics).toEqual([
      expect.objectContaining({
        pixel_event_type: 'SHOPPING',
        total_count: 1,
        browser_event_total_count: 1,
        server_event_total_count: 0,
        attributed_count: 1,
      }),
    ]);
  });

  it('drops the other leg between 5 min and 48 h', async () => {
    await sendServer(serverEvent({ event_time: T0 }));
    await sendPixel({ event: 'Purchase', event_id: 'order-1', timestamp: T0 + 5 * MINUTE + 1 });
    await sendPixel({ event: 'Purchase', event_id: 'order-1', timestamp: T0 + 48 * HOUR + 1 });
    expect(fake.controls.events().map((event) => [event.status, event.dropReason])).toEqual([
      ['counted', null],
      ['dropped', 'cross_leg_after_merge_window'],
      ['counted', null],
    ]);
  });

  it('decides by event time, not by the order the legs were posted', async () => {
    await sendServer(serverEvent({ event_time: T0 + 2 * MINUTE }));
    await sendPixel({ event: 'Purchase', event_id: 'order-1', timestamp: T0 });
    expect(statuses(fake.controls.events())).toEqual([
      { leg: 'server', eventTime: T0 + 2 * MINUTE, status: 'merged' },
      { leg: 'browser', eventTime: T0, status: 'counted' },
    ]);
  });

  it('treats CompletePayment and Purchase as one event name', async () => {
    await sendPixel({ event: 'CompletePayment', event_id: 'order-1', timestamp: T0 });
    await sendServer(serverEvent({ event: 'Purchase', event_time: T0 + MINUTE }));
    expect(fake.controls.summary()).toMatchObject({ counted: 1, merged: 1 });
  });

  it('never deduplicates different event names sharing an event_id', async () => {
    await sendServer(serverEvent({ event: 'AddToCart' }), serverEvent({ event: 'Purchase' }));
    expect(fake.controls.summary().counted).toBe(2);
  });

  it('falls back to _ttp when there is no event_id; with neither, every event counts', async () => {
    const noId = (ttp?: string, time = T0) => serverEvent({ event_id: undefined, event_time: time, user: ttp ? { ttp } : {} });
    await sendServer(noId('ttp-1'), noId('ttp-1', T0 + HOUR), noId('ttp-2'), noId(), noId());
    expect(fake.controls.events().map((event) => event.status)).toEqual(['counted', 'dropped', 'counted', 'counted', 'counted']);
    expect(fake.controls.events()[1].dedupKey).toBe('ttp:ttp-1');
  });

  it('keeps test events out of counts and out of dedup', async () => {
    const { json } = await postTrack(trackBody([serverEvent()], { test_event_code: 'TEST123' }));
    expect(json.code).toBe(0);
    await sendPixel({ event: 'Purchase', event_id: 'order-1', timestamp: T0, test_event_code: 'TEST123' });
    await sendServer(serverEvent({ event_time: T0 + HOUR }));
    expect(fake.controls.summary()).toMatchObject({ received: 3, test: 2, counted: 1 });

    const { json: statsJson } = await stats([PIXEL.pixelId], '2026-06-01');
    expect(statsJson.data.list[0].statistics).toEqual([
      expect.objectContaining({ pixel_event_type: 'SHOPPING', total_count: 1, server_event_total_count: 1, preview_count: 2 }),
    ]);
  });
});

describe('GET /open_api/v1.3/pixel/event/stats/', () => {
  async function seedTwoDays() {
    await sendPixel(
      { event: 'CompletePayment', event_id: 'a', timestamp: T0, ttclid: 'E.C.P.a' },
      { event: 'Purchase', event_id: 'b', timestamp: '2026-06-01T23:59:59Z' },
      { event: 'ViewContent', event_id: 'v', timestamp: T0 },
      { event: 'Purchase', event_id: 'c', timestamp: '2026-06-02T00:00:00Z' },
    );
    await sendServer(serverEvent({ event_id: 'd', event_time: T0 + HOUR }));
    await sendServer(serverEvent({ event_id: 'a', event_time: T0 + HOUR }));
  }

  it('answers a SHOPPING row per pixel for one UTC day, counting after dedup', async () => {
    await seedTwoDays();
    const { status, json } = await stats([PIXEL.pixelId], '2026-06-01');
    expect(status).toBe(200);
    expect(json.code).toBe(0);
    expect(json.data.list).toEqual([
      {
        pixel_id: PIXEL.pixelId,
        statistics: expect.arrayContaining([
          {
            pixel_event_type: 'SHOPPING',
            total_count: 3,
            browser_event_total_count: 2,
            server_event_total_count: 1,
            attributed_count: 1,
            preview_count: 0,
          },
          expect.objectContaining({ event_type: 'ViewContent', total_count: 1 }),
        ]),
      },
    ]);
  });

  it('aggregates over the date range and can omit total_count', async () => {
    await seedTwoDays();
    fake.controls.setMode({ statsTotalCount: 'omitted' });
    const { json } = await stats([PIXEL.pixelId], '2026-06-01', '2026-06-02');
    const shopping = json.data.list[0].statistics.find((row: { pixel_event_type?: string }) => row.pixel_event_type === 'SHOPPING');
    expect(shopping).toEqual({
      pixel_event_type: 'SHOPPING',
      browser_event_total_count: 3,
      server_event_total_count: 1,
      attributed_count: 1,
      preview_count: 0,
    });
  });

  it('lists a pixel without events with no statistics', async () => {
    const { json } = await stats([PIXEL.pixelId], '2026-06-01');
    expect(json.data.list).toEqual([{ pixel_id: PIXEL.pixelId, statistics: [] }]);
  });

  it.each([
    ['a range over 30 days', () => stats([PIXEL.pixelId], '2026-06-01', '2026-07-01'), 40002, /date_range/],
    ['more than 10 pixel ids', () => stats(Array.from({ length: 11 }, () => PIXEL.pixelId), '2026-06-01'), 40002, /pixel_ids/],
    ['an impossible date', () => stats([PIXEL.pixelId], '2026-02-30'), 40002, /start_date/],
    ['a pixel of another advertiser', () => stats([OTHER_PIXEL.pixelId], '2026-06-01'), 40001, /pixel_id/],
    ['an Events API token', () => stats([PIXEL.pixelId], '2026-06-01', '2026-06-01', PIXEL.eventsToken), 40105, /token/],
    ['a missing token', () => stats([PIXEL.pixelId], '2026-06-01', '2026-06-01', ''), 40104, /token/],
    [
      "another advertiser's token",
      () => stats([PIXEL.pixelId], '2026-06-01', '2026-06-01', OTHER_PIXEL.marketingToken),
      40001,
      /advertiser_id/,
    ],
  ])('refuses %s', async (_name, call, code, message) => {
    const { status, json } = await call();
    expect(status).toBe(200);
    expect(json.code).toBe(code);
    expect(json.message).toMatch(message);
  });
});

describe('GET /open_api/v1.3/pixel/list/', () => {
  it('maps a pixel code to its numeric id', async () => {
    const { json } = await marketingGet('/open_api/v1.3/pixel/list/', { advertiser_id: PIXEL.advertiserId, code: PIXEL.pixelCode });
    expect(json.code).toBe(0);
    expect(json.data).toEqual({
      pixels: [{ pixel_id: PIXEL.pixelId, pixel_code: PIXEL.pixelCode, pixel_name: `Pixel ${PIXEL.pixelCode}`, events: [] }],
      page_info: { page: 1, page_size: 10, total_number: 1, total_page: 1 },
    });
  });

  it('pages through an advertiser with many pixels', async () => {
    const advertiserId = '7000000000000000099';
    for (let i = 0; i < 12; i++) {
      fake.controls.addPixel({
        advertiserId,
        pixelCode: `CPAGED${i}`,
        pixelId: `69000000000000000${String(i).padStart(2, '0')}`,
        eventsToken: 'paged-events',
        marketingToken: 'paged-marketing',
      });
    }
    const { json } = await marketingGet('/open_api/v1.3/pixel/list/', { advertiser_id: advertiserId, page: '2' }, 'paged-marketing');
    expect(json.data.pixels.map((pixel: { pixel_code: string }) => pixel.pixel_code)).toEqual(['CPAGED10', 'CPAGED11']);
    expect(json.data.page_info).toEqual({ page: 2, page_size: 10, total_number: 12, total_page: 2 });
  });
});

describe('controls', () => {
  async function postControls(body: unknown) {
    const response = await fetch(`${fake.url}/sandbox/controls`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, json: await response.json() };
  }

  it('throttles over HTTP for a number of requests, then clears itself', async () => {
    const { json } = await postControls({ fault: 'throttle', faultCount: 2 });
    expect(json.mode).toMatchObject({ fault: 'throttle', faultCount: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await postTrack(trackBody([serverEvent()]))).json.code);
    expect(codes).toEqual([40100, 40100, 0]);
    expect(fake.controls.mode().fault).toBe('none');
    expect(fake.controls.requestCounts().eventTrack).toBe(3);
  });

  it('simulates an outage as HTTP 503 with an HTML body', async () => {
    fake.controls.setMode({ fault: 'outage_html' });
    const response = await fetch(`${fake.url}/open_api/v1.3/event/track/`, {
      method: 'POST',
      headers: { 'Access-Token': PIXEL.eventsToken },
      body: JSON.stringify(trackBody([serverEvent()])),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('<h1>503 Service Temporarily Unavailable</h1>');
    expect(fake.controls.summary().received).toBe(0);
  });

  it('simulates an outage as code 50000 and applies to the marketing API too', async () => {
    fake.controls.setMode({ fault: 'outage_code' });
    expect((await postTrack(trackBody([serverEvent()]))).json.code).toBe(50000);
    expect((await stats([PIXEL.pixelId], '2026-06-01')).json.code).toBe(50000);
  });

  it('adds latency', async () => {
    await postControls({ latencyMs: 150 });
    const started = performance.now();
    await postTrack(trackBody([serverEvent()]));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses an unknown control with the error shape', async () => {
    const { status, json } = await postControls({ fault: 'meltdown' });
    expect(status).toBe(400);
    expect(json.error.code).toBe('validation_failed');
  });

  it('registers a pixel over HTTP, whose token then works; a clash is 409', async () => {
    const registration = {
      advertiserId: '7000000000000000003',
      pixelCode: 'CHTTPPIXEL',
      pixelId: '6987488643342467099',
      eventsToken: 'http-events',
      marketingToken: 'http-marketing',
    };
    const created = await fetch(`${fake.url}/sandbox/pixels`, { method: 'POST', body: JSON.stringify(registration) });
    expect(created.status).toBe(201);
    const { json } = await postTrack(trackBody([serverEvent()], { event_source_id: 'CHTTPPIXEL' }), 'http-events');
    expect(json.code).toBe(0);
    const clash = await fetch(`${fake.url}/sandbox/pixels`, {
      method: 'POST',
      body: JSON.stringify({ ...registration, advertiserId: '7000000000000000004' }),
    });
    expect(clash.status).toBe(409);
  });

  it('serves the ground truth filtered by pixel, event_id and status', async () => {
    await sendServer(serverEvent(), serverEvent({ event_id: 'order-2' }), serverEvent({ event_time: T0 + HOUR }));
    const response = await fetch(`${fake.url}/sandbox/events?pixel_code=${PIXEL.pixelCode}&event_id=order-1&status=dropped`);
    const json = await response.json();
    expect(json.summary).toEqual({ received: 1, counted: 0, merged: 0, dropped: 1, test: 0 });
    expect(json.events[0]).toMatchObject({ eventId: 'order-1', eventTime: T0 + HOUR, duplicateOf: 1 });
  });
});

describe('pixel intake (browser leg)', () => {
  async function postPixel(body: unknown) {
    const response = await fetch(`${fake.url}/sandbox/pixel/track`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, json: await response.json() };
  }

  it('takes one event with an ISO timestamp', async () => {
    const { status, json } = await postPixel({
      pixel_code: PIXEL.pixelCode,
      event: 'CompletePayment',
      event_id: 'order-9',
      timestamp: '2026-06-01T12:00:00.000Z',
      ttp: 'ttp-9',
      properties: { value: 10, currency: 'EUR', order_id: '9' },
    });
    expect(status).toBe(200);
    expect(json).toEqual({ received: 1 });
    expect(fake.controls.events()[0]).toMatchObject({ leg: 'browser', eventTime: T0, orderId: '9', matchKeys: ['ttp'] });
  });

  it('refuses a whole batch with an unknown pixel, and millisecond timestamps', async () => {
    const unknown = await postPixel({
      events: [
        { pixel_code: PIXEL.pixelCode, event: 'Purchase', timestamp: T0 },
        { pixel_code: 'CNOPE', event: 'Purchase', timestamp: T0 },
      ],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const milliseconds = await postPixel({ pixel_code: PIXEL.pixelCode, event: 'Purchase', timestamp: T0 * 1000 });
    expect(milliseconds.status).toBe(400);
    expect(fake.controls.summary().received).toBe(0);
  });
});

describe('volume', () => {
  it('takes 100k events (both legs of 50k purchases) and counts each purchase once', async () => {
    const purchases = 50_000;
    const batches: Promise<unknown>[] = [];
    for (let start = 0; start < purchases; start += 1000) {
      const ids = Array.from({ length: 1000 }, (_, i) => start + i);
      // Spread over 8 weeks of history, one purchase per minute-ish.
      const time = (n: number) => T0 - 56 * 24 * HOUR + n * 97;
      batches.push(postTrack(trackBody(ids.map((n) => serverEvent({ event_id: `o-${n}`, event_time: time(n) + 30 })))));
      batches.push(sendPixel(...ids.map((n) => ({ event: 'Purchase', event_id: `o-${n}`, timestamp: time(n) }))));
    }
    await Promise.all(batches);
    expect(fake.controls.summary()).toEqual({ received: 100_000, counted: 50_000, merged: 50_000, dropped: 0, test: 0 });
  });
});
