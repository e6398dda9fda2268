/**
 * What one long server-sent-event line costs the model stream reader: `node bench/stream-line.js [--dist DIR]
 * [--sizes 2,5,10,20] [--piece-kib 64]`. For each size (MB, 10^6 characters) it feeds a fresh `ChatStreamReader` one
 * `data:` line of that length in pieces of 64 KiB, as the network delivers it, and prints the CPU time used and the longest single
 * `push` (how long the event loop, and so every other session of the server, was held up at once). "no limit"
 * reads the whole line (the parser's own cost); "default limit" is what a server does (it stops at
 * `llmConfig.maxEventSize`). Pass another build's `dist` with `--dist` for before/after figures (a build without the
 * limit ignores it).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const dist = resolve(option('--dist', new URL('../dist', import.meta.url).pathname));
const sizes = option('--sizes', '2,5,10,20').split(',').map(Number);
const { ChatStreamReader } = await import(pathToFileURL(`${dist}/llm/chat-stream.js`).href);

const PIECE = Buffer.from('x'.repeat(Number(option('--piece-kib', 64)) * 1024));
// The reader's sink (older builds took an IOStream: this object is both).
const io = { print() {}, input: () => Promise.resolve(''), send() {}, start() {}, content() {}, reasoning() {} };

function feed(megabytes, limit) {
  const reader = new ChatStreamReader(io, limit);
  const total = megabytes * 1e6;
  let longest = 0;
  let outcome = 'read whole';
  const cpu = process.cpuUsage();
  const push = (bytes) => {
    const started = performance.now();
    try {
      reader.push(bytes);
    } finally {
      longest = Math.max(longest, performance.now() - started);
    }
  };
  try {
    push(Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"'));
    for (let sent = 0; sent < total; sent += PIECE.length) push(PIECE);
  } catch (error) {
    outcome = /maxEventSize/.test(error.message) ? 'refused at the limit' : `error: ${error.message}`;
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, longestPushMs: longest, outcome };
}

const rows = [];
for (const megabytes of sizes) {
  for (const [label, limit] of [
    ['no limit', Infinity],
    ['default limit', undefined],
  ]) {
    const { cpuMs, longestPushMs, outcome } = feed(megabytes, limit);
    rows.push({
      line: `${megabytes} MB`,
      limit: label,
      cpu: `${cpuMs.toFixed(0)} ms`,
      longestPush: `${longestPushMs.toFixed(1)} ms`,
      outcome,
    });
  }
}
process.stdout.write(`${dist}\n`);
console.table(rows);
