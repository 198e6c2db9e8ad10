import { expect, test } from '@playwright/test';
import { signalwatch } from './cli';

// The relay is a server.ts fast path: these requests go through the real app, so they fail if the
// route is not wired there, or if Next answers (it would redirect a doubled slash with a 308).
const PIXEL = 'CE2ERELAYPIXEL01';
const PATHS = ['/api/tiktok/open_api/v1.3/event/track/', '/api/tiktok/open_api/v1.3/event/track', '/api/tiktok//open_api/v1.3/event/track/'];
const body = (pixel: string) => ({
  event_source: 'web',
  event_source_id: pixel,
  data: [{ event: 'Purchase', event_time: 1_763_000_000, event_id: 'e2e-1', properties: { currency: 'USD', value: 10 } }],
});

test.beforeAll(() => {
  const add = signalwatch(['store', 'add', '--name', 'E2E Relay Shop', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'USD', '--pixel-code', PIXEL, '--json']);
  expect(add.stderr).toBe('');
  expect(add.code).toBe(0);
});

for (const path of PATHS) {
  test(`the relay answers ${path} itself, in TikTok's envelope, never with a redirect`, async ({ request }) => {
    const unknown = await request.post(path, { data: body('CNOSUCHPIXEL0000'), headers: { 'access-token': 'x' }, maxRedirects: 0 });
    expect(unknown.status()).toBe(200);
    expect(await unknown.json()).toMatchObject({ code: 40001, request_id: expect.any(String) });

    const noToken = await request.post(path, { data: body(PIXEL), maxRedirects: 0 });
    expect(noToken.status()).toBe(200);
    expect(await noToken.json()).toMatchObject({ code: 40104 });

    const wrongToken = await request.post(path, { data: body(PIXEL), headers: { 'access-token': 'not-the-token' }, maxRedirects: 0 });
    expect(wrongToken.status()).toBe(200);
    expect(await wrongToken.json()).toMatchObject({ code: 40105 });
  });
}
