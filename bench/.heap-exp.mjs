import { setTimeout as sleep } from 'node:timers/promises';
import { rssMiB, runLoad } from './lib/children.js';
import { startFakeModel, startServe } from './lib/servers.js';
import { MESSAGE } from './lib/phases.js';
const nodeOptions = process.argv.slice(2);
const fake = await startFakeModel({ pacedMs: 20 });
const serve = await startServe({ baseURL: fake.paced, model: 'bench-200', nodeOptions });
const seed = { uri: serve.uri, message: MESSAGE, expectTokens: 200 };
await sleep(1000);
const out = { cold: rssMiB(serve.pid) };
await runLoad('sessions', { ...seed, count: 20, parallel: true }, { timeoutMs: 60_000 });
await sleep(1000);
out.warm = rssMiB(serve.pid);
const r = await runLoad(
  'sessions',
  { ...seed, count: 1000, parallel: true },
  {
    timeoutMs: 120_000,
    onProgress: (m) => {
      if (m.event === 'all-streaming') out.live = rssMiB(serve.pid);
    },
  },
);
out.errors = r.errors;
out.wall = r.wallMs;
out.open90 = r.connectToOpenMs.p90;
const after = [];
for (let i = 0; i < 12; i++) {
  await sleep(5000);
  after.push(Math.round(rssMiB(serve.pid)));
}
out.after5sSteps = after.join(' ');
console.log(nodeOptions.join(' ') || '(defaults)', JSON.stringify(out));
await serve.stop();
await fake.stop();
