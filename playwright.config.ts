import { defineConfig } from '@playwright/test';
import { E2E_DATA_DIR, E2E_PORT as PORT, E2E_SECRET } from './test/e2e/env';

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'api', testMatch: /.*\.api\.spec\.ts/ },
    { name: 'ui', testMatch: /.*\.ui\.spec\.ts/, dependencies: ['api'] },
  ],
  webServer: {
    // Every run starts from an empty embedded database; `npm start` builds when needed, then runs
    // server.ts: the same path users take. (Not in this file's top level: workers load it too.)
    // A small simulated world is seeded first (test/e2e/seed.ts) so the dashboard has data.
    command: `node -e "require('fs').rmSync(process.argv[1], { recursive: true, force: true })" ${E2E_DATA_DIR} && npx tsx test/e2e/seed.ts ${E2E_DATA_DIR} && npm start`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      PORT: String(PORT),
      HOST: '127.0.0.1',
      SIGNALWATCH_DATA_DIR: E2E_DATA_DIR,
      SIGNALWATCH_SECRET: E2E_SECRET,
      DATABASE_URL: '',
      NEXT_TELEMETRY_DISABLED: '1',
      // The seed already ran the jobs; catch-up at start would reach out to TikTok and Shopify
      // addresses that do not exist here and rewrite snapshots while the UI tests read them.
      SIGNALWATCH_SCHEDULER: 'off',
    },
  },
});
