/**
 * The functions with the most self time in a V8 CPU profile (`node --cpu-prof`):
 *
 *   node --experimental-transform-types bench/profile-top.ts FILE.cpuprofile [--top 25] [--inclusive]
 *
 * With `--inclusive`, a function's time is every sample with it on the stack
 * (once per sample, also when recursive): where whole stages and libraries go.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  children?: number[];
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
  options: {
    top: { type: 'string', default: '25' },
    inclusive: { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parentOf.set(child, node.id);

function nameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*\/(node_modules|src|bench)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

/** the sampled function alone, or (inclusive) every distinct function on its stack */
function namesOfSample(id: number): string[] {
  const node = byId.get(id);
  if (!node) return [];
  if (!values.inclusive) return [nameOf(node)];
  const names = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const onStack = byId.get(at);
    if (onStack) names.add(nameOf(onStack));
  }
  return [...names];
}

const selfMs = new Map<string, number>();
let totalMs = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  totalMs += ms;
  for (const name of namesOfSample(id)) selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
});
const rows = [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
console.log(`total ${(totalMs / 1000).toFixed(1)} s sampled`);
for (const [name, ms] of rows) {
  console.log(
    `${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`,
  );
}
