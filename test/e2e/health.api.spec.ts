import { expect, test } from '@playwright/test';
import { signalwatch } from './cli';

test('health reports the embedded database', async ({ request }) => {
  const res = await request.get('/api/health');
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok', database: 'pglite' });
});

test('the CLI works while the app holds the embedded data dir', async () => {
  const add = signalwatch([
    'store', 'add', '--name', 'E2E Boutique', '--platform', 'shopify', '--shop-domain', 'e2e-boutique.myshopify.com',
    '--timezone', 'Europe/Berlin', '--currency', 'EUR', '--phone-country', 'DE', '--pixel-code', 'CE2EPIXEL000000001', '--json',
  ]);
  expect(add.stderr).toBe('');
  expect(add.code).toBe(0);
  const created = JSON.parse(add.stdout);
  expect(created).toMatchObject({ id: 'e2e-boutique', name: 'E2E Boutique', currency: 'EUR' });
  expect(created.ingest_key).toMatch(/^sw_ingest_/);

  const secret = signalwatch(['store', 'secret', 'e2e-boutique', 'tiktok_events_token'], 'tt-token-abc');
  expect(secret.code).toBe(0);
  const show = signalwatch(['store', 'show', 'e2e-boutique', '--json']);
  expect(JSON.parse(show.stdout).secrets).toEqual(['tiktok_events_token']);
  expect(show.stdout).not.toContain('tt-token-abc');

  const dup = signalwatch(['store', 'add', '--name', 'e2e boutique', '--platform', 'custom', '--timezone', 'UTC', '--currency', 'EUR']);
  expect(dup.code).toBe(1);
  expect(dup.stderr).toMatch(/already exists/);
});

test('an unknown API path answers in the one error shape', async ({ request }) => {
  const res = await request.post('/_signalwatch/cli', { data: { argv: ['store', 'list'] } });
  expect(res.status()).toBe(403);
  expect(await res.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
});
