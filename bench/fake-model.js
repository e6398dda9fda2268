/**
 * The benchmark's fake-model process: `node bench/fake-model.js [--paced-ms 20]`.
 *
 * Starts two fake OpenAI servers from `agentws/testing` (built dist): `fast` streams as fast as the socket takes it,
 * `paced` waits `--paced-ms` before each token. Both play the demo model (the seed conversation: a weather_forecast
 * tool call, then a poem ending in TERMINATE); the model name picks the poem's length: `bench-<tokens>`. Prints one
 * JSON line `{"fast": baseURL, "paced": baseURL}` and runs until stdin closes or it is signalled.
 */
import { demoResponder, startFakeOpenAI } from '../dist/testing/index.js';

const args = process.argv.slice(2);
const pacedAt = args.indexOf('--paced-ms');
const pacedMs = pacedAt === -1 ? 20 : Number(args[pacedAt + 1]);

const responders = new Map();
function respond(request) {
  const tokens = Number(/^bench-(\d+)$/.exec(request.body.model)?.[1] ?? 200);
  let responder = responders.get(tokens);
  if (responder === undefined) {
    responder = demoResponder({ tokens });
    responders.set(tokens, responder);
  }
  // The fake server records every request; the benchmark sends tens of thousands, so keep none.
  return responder(request);
}

const fast = await startFakeOpenAI({ respond });
const paced = await startFakeOpenAI({ respond, tokenDelayMs: pacedMs });
const forget = setInterval(() => {
  fast.requests.length = 0;
  paced.requests.length = 0;
}, 1000);
forget.unref();

process.stdout.write(JSON.stringify({ fast: fast.baseURL, paced: paced.baseURL }) + '\n');

const stop = async () => {
  await Promise.all([fast.close(), paced.close()]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
