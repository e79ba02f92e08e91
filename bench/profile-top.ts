/**
 * The functions with the most self time in a V8 CPU profile (`node --cpu-prof`):
 *
 *   node --experimental-transform-types bench/profile-top.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMs = new Map<string, number>();
let totalMs = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  totalMs += ms;
  if (!node) return;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*\/(node_modules|src|bench)\//, '$1/');
  const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
});
const rows = [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
console.log(`total ${(totalMs / 1000).toFixed(1)} s sampled`);
for (const [name, ms] of rows) {
  console.log(
    `${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`,
  );
}
