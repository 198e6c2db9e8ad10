/**
 * Seeds a small demo world into the e2e data dir before the app starts (the Playwright
 * webServer command runs this, then `npm start`): two simulated shops, three weeks.
 */
import { resolve } from 'node:path';
import { seedDemo } from '../../scripts/demo';

const world = await seedDemo({
  dataDir: resolve(process.argv[2] ?? '.data-e2e'),
  weeks: 3,
  ordersPerDay: 25,
  seed: 7,
  onProgress: (line) => console.log(line),
});
await world.close();
