import { resolve } from 'node:path';

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3107);
export const E2E_DATA_DIR = resolve('.data-e2e');
/** The demo's fixed secret (scripts/demo.ts DEMO_SECRET): the seeded stores' credentials are encrypted with it. */
export const E2E_SECRET = 'signalwatch-demo-secret-do-not-use-in-production';
