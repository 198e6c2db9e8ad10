/**
 * `npm run bench`: every bench in turn, each in its own process (they start servers and create
 * scratch databases). Options differ per bench: run one with `npx tsx bench/<name>.ts [options]`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lib/common';

const BENCHES = ['ingest.ts', 'orders.ts', 'reconcile.ts'];
let failed = 0;
for (const file of BENCHES) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', file)], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${file} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
