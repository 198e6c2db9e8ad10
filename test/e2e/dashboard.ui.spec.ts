import { expect, test } from '@playwright/test';
import { int, pct, signed } from '../../components/format';
import { signalwatch } from './cli';

interface Report {
  bridge: { value: number | null; kind: string }[];
  browserCoverage: number | null;
  serverCoverage: number | null;
  eitherCoverage: number | null;
  bothCoverage: number | null;
  dedupRate: number | null;
  keyCoverage: Record<string, number | null>;
  lostBrowserCauses: Record<string, number>;
}

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

    // The charts show the same numbers: each bar's label, in order (a bar of zero or unknown length has none).
    const labels = (chart: string) => page.locator(`[data-chart="${chart}"] .recharts-label-list text`).allTextContents();
    const drawn = (v: number | null) => v !== null && v !== 0;
    const r = expected as Report;
    expect(await labels('bridge'), 'bridge').toEqual(r.bridge.filter((b) => drawn(b.value)).map((b) => (b.kind === 'total' ? int(b.value) : signed(b.value))));
    const legs = [r.browserCoverage, r.serverCoverage, r.eitherCoverage, r.bothCoverage, r.dedupRate];
    expect(await labels('legs'), 'coverage by leg').toEqual(legs.filter(drawn).map((v) => pct(v, 0)));
    const keys = ['email', 'phone', 'external_id', 'ttclid', 'ttp', 'ip', 'user_agent'].map((k) => r.keyCoverage[k] ?? null);
    expect(await labels('keys'), 'match-key coverage').toEqual(keys.filter(drawn).map((v) => pct(v, 0)));
    const causes = ['consent_denied', 'ad_blocker', 'slow_page', 'no_confirmation_view', 'pixel_not_fired'].map((k) => r.lostBrowserCauses[k] ?? 0);
    expect(await labels('causes'), 'lost browser causes').toEqual(causes.filter(drawn).map(String));
  });
}

test('a bad release is plainly visible on the trend', async ({ page }) => {
  await page.goto('/stores/northwind');
  const trend = page.getByTestId('trend');
  await expect(trend.locator('.recharts-reference-line').first()).toBeAttached();
  // The week-6 checkout change and its fix the week after: both names shown, on separate rows.
  const labels = trend.locator('.recharts-reference-line text');
  await expect(labels).toHaveCount(2);
  await expect(labels.filter({ hasText: /Checkout/ })).toBeVisible();
  const [a, b] = await Promise.all([labels.nth(0).boundingBox(), labels.nth(1).boundingBox()]);
  expect(a!.y + a!.height <= b!.y || b!.y + b!.height <= a!.y, 'release labels overprint').toBe(true);
});

test('the trend draws one point per known value and none for a week without one', async ({ page }) => {
  // Bluebird's CSP week leaves no order with both legs: no dedup rate, so no dedup point that week.
  const { weeks } = (await (await page.request.get('/api/v1/stores/bluebird/dashboard')).json()) as { weeks: Record<string, number | null>[] };
  const series = ['browserCoverage', 'serverCoverage', 'eitherCoverage', 'dedupRate', 'reportedGap'];
  expect(weeks.some((w) => w.dedupRate === null), 'the seeded world has a week without a dedup rate').toBe(true);
  const known = weeks.flatMap((w) => series.map((k) => w[k])).filter((v) => v !== null).length;
  await page.goto('/stores/bluebird');
  const points = page.getByTestId('trend').locator('.recharts-line-dots circle');
  await expect(points).toHaveCount(known);
  expect(await points.evaluateAll((cs) => cs.filter((c) => !c.hasAttribute('cy')).length)).toBe(0);
});
