import { expect, test } from '@playwright/test';
import { signalwatch } from './cli';

const METRICS = ['orders', 'reported', 'reportedGap', 'eitherCoverage', 'dedupRate', 'doubleCounts', 'matchQualityEstimate'] as const;

test('the store list shows each demo store with its health', async ({ page }) => {
  await page.goto('/');
  for (const id of ['northwind', 'bluebird']) {
    const row = page.locator(`[data-store-id="${id}"]`);
    await expect(row.locator('.status')).toHaveText(/Healthy|Needs a look|Broken/);
  }
});

for (const storeId of ['northwind', 'bluebird']) {
  test(`${storeId}: the dashboard's numbers equal reconcile --json for the same week`, async ({ page }) => {
    await page.goto(`/stores/${storeId}`);
    const report = page.getByTestId('report');
    await expect(report).toBeVisible();
    // Every chart renders: bridge, legs, trend, keys, causes.
    await expect(page.locator('.recharts-wrapper')).toHaveCount(5);
    const from = (await report.getAttribute('data-from'))!;
    const to = (await report.getAttribute('data-to'))!;

    const cli = signalwatch(['reconcile', '--store', storeId, '--from', from, '--to', to, '--json']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const expected = JSON.parse(cli.stdout);
    expect(expected.orders).toBeGreaterThan(0);
    for (const metric of METRICS) {
      const shown = await page.locator(`[data-metric="${metric}"]`).getAttribute('data-value');
      expect(shown === 'null' ? null : Number(shown), metric).toEqual(expected[metric]);
    }
  });
}

test('a bad release is plainly visible on the trend', async ({ page }) => {
  await page.goto('/stores/northwind');
  await expect(page.locator('.recharts-reference-line').first()).toBeAttached();
  await expect(page.getByText(/▲/).first()).toBeVisible();
});
