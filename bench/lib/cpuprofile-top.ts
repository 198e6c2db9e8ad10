/** `npx tsx bench/lib/cpuprofile-top.ts <file.cpuprofile> [n]`: self time by package/file and by function. */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const [file, nArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/lib/cpuprofile-top.ts <file.cpuprofile> [n]');
  process.exit(2);
}
const n = Number(nArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFile = new Map<string, number>();
const byFn = new Map<string, number>();
for (const [id, us] of selfUs) {
  const cf = byId.get(id)!.callFrame;
  const url = cf.url.replace(/^.*node_modules\//, 'npm:').replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
  const pkg = url.startsWith('npm:') ? url.split('/').slice(0, url.startsWith('npm:@') ? 2 : 1).join('/') : url || '(vm)';
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + us);
  const key = `${cf.functionName || '(anonymous)'} ${url}:${cf.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
}
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n-- self time by package / file\n${top(byFile)}\n-- self time by function\n${top(byFn)}`);
