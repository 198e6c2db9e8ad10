import { expect, test } from '@playwright/test';

test('the store list shows stores and their settings, never secrets', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Stores' })).toBeVisible();
  const row = page.locator('[data-store-id="e2e-boutique"]');
  await expect(row).toContainText('E2E Boutique');
  await expect(row).toContainText('Europe/Berlin · EUR');
  await expect(row).toContainText('CE2EPIXEL000000001');
  await expect(page.locator('body')).not.toContainText('tt-token-abc');
});
