/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, as `node bench/run.js --profile` writes for each server):
 * `node bench/profile-summary.js <file.cpuprofile> [top=25]` prints the functions with the most self time and the
 * files (project, node_modules packages, node internals) that the time was spent in.
 */
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function where(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return `npm:${pkg}`;
  if (url.includes('/dist/')) return url.slice(url.indexOf('/dist/') + 1);
  if (url.startsWith('node:') || url === '') return url === '' ? `(${frame.functionName || 'native'})` : url;
  return url;
}

const functions = new Map();
const files = new Map();
for (const [id, time] of self) {
  const { callFrame } = byId.get(id);
  const place = where(callFrame);
  const key = `${callFrame.functionName || '(anonymous)'}  ${place}:${callFrame.lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + time);
  files.set(place, (files.get(place) ?? 0) + time);
}
// Inclusive time of the project's own functions (dist/): self time plus everything they called.
const inclusive = new Map();
const totalOf = new Map();
const subtree = (node) => {
  let time = self.get(node.id) ?? 0;
  for (const child of node.children ?? []) time += subtree(byId.get(child));
  totalOf.set(node.id, time);
  return time;
};
subtree(profile.nodes[0]);
const walk = (node, active) => {
  const { callFrame } = node;
  const place = where(callFrame);
  const key = `${callFrame.functionName || '(anonymous)'}  ${place}:${callFrame.lineNumber + 1}`;
  const own = place.startsWith('dist/') && !active.has(key);
  if (own) {
    inclusive.set(key, (inclusive.get(key) ?? 0) + totalOf.get(node.id));
    active.add(key);
  }
  for (const child of node.children ?? []) walk(byId.get(child), active);
  if (own) active.delete(key);
};
walk(profile.nodes[0], new Set());

const pct = (time) => `${((100 * time) / total).toFixed(1).padStart(5)}%`;
const print = (title, map, count) => {
  process.stdout.write(`${title}\n`);
  for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    process.stdout.write(`  ${pct(time)}  ${(time / 1000).toFixed(0).padStart(6)} ms  ${key}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
print('By function (self time):', functions, top);
print('By file:', files, top);
print("agentws's own functions (inclusive time):", inclusive, top);
