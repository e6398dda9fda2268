import { setTimeout as sleep } from 'node:timers/promises';
import { cpuProbe, rssMiB, runLoad } from './children.js';
import { startOtlpSink } from './otlp-sink.js';
import { startBareWs, startServe } from './servers.js';
import { median, round } from './stats.js';

/**
 * The benchmark's phases. Each takes the run's context (`ctx.fake` base URLs, `ctx.quick`, `ctx.log`, `ctx.serveNode`
 * node options for serve) and returns plain data for the report.
 */

/** What the seed's client sends first. */
export const MESSAGE = 'Check out the weather in Paris and write a poem about it.';

/** The poem request as agentws's LLM client makes it (after the tool call), for the model-only readers. */
export function poemRequest(model) {
  return {
    model,
    stream_options: { include_usage: true },
    messages: [
      { role: 'user', content: MESSAGE },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'The weather forecast for Paris is sunny.' },
    ],
  };
}

function ratio(a, b) {
  return round(a / b, 3);
}

/** 1. Relay throughput: one long reply through agentws, and the same machine's ceilings read in the same run. */
export async function relayPhase(ctx) {
  const tokens = 20_000;
  const model = `bench-${tokens}`;
  const runs = ctx.quick ? 1 : 5;
  const serve = await startServe({ baseURL: ctx.fake.fast, model, nodeOptions: ctx.serveNode('relay') });
  const bare = await startBareWs(ctx.fake.fast, model);
  try {
    const warmup = ctx.quick ? 1 : 2;
    const relay = (uri, mode = 'text') => runLoad('relay-ws', { uri, message: MESSAGE, mode, runs, warmup });
    const direct = (reader) =>
      runLoad('relay-model', { baseURL: ctx.fake.fast, body: poemRequest(model), reader, runs, warmup });
    ctx.log(`relay: ${tokens} tokens, median of ${runs} run(s) each`);
    const probe = cpuProbe([serve.pid, ctx.fake.pid, bare.pid]);
    const text = await relay(serve.uri, 'text');
    const json = await relay(serve.uri, 'json');
    const othersCpuPercent = probe(text.clientCpuMs + json.clientCpuMs).others;
    const sdk = await direct('sdk');
    const sse = await direct('sse');
    const bareWs = await relay(`${bare.uri}/frames`);
    const minimalRelay = await relay(`${bare.uri}/relay`);
    for (const [name, result] of Object.entries({ text, json, sdk, sse, bareWs, minimalRelay })) {
      if (result.tokens !== tokens)
        throw new Error(`relay ${name}: counted ${result.tokens} tokens, expected ${tokens}`);
    }
    const rate = text.tokensPerSec;
    const tracing = await tracingCost(ctx, serve, model, tokens);
    return {
      tokens,
      othersCpuPercent,
      tracing,
      agentws: { text, json },
      ceilings: { sdk, sse, bareWs, minimalRelay },
      ratios: {
        textToSdk: ratio(rate, sdk.tokensPerSec),
        textToSse: ratio(rate, sse.tokensPerSec),
        textToBareWs: ratio(rate, bareWs.tokensPerSec),
        textToMinimalRelay: ratio(rate, minimalRelay.tokensPerSec),
        jsonToSdk: ratio(json.tokensPerSec, sdk.tokensPerSec),
      },
    };
  } finally {
    await Promise.all([serve.stop(), bare.stop()]);
  }
}

/** The median of the rounds' ratios `a[i] / b[i]`. */
function medianRatio(a, b) {
  return round(median(a.map((rate, i) => rate / b[i])), 3);
}

/**
 * 1b. What tracing costs on the relay: the relay phase's server (no OpenTelemetry SDK: agentws's spans are no-ops;
 * metrics on, the default) against the same build with the SDK registered and every span exported over OTLP/HTTP to
 * a stand-in collector, and with `--baseline`, against another build (one without the instrumentation), text mode,
 * in turns (the order reversed every other round).
 */
async function tracingCost(ctx, off, model, tokens) {
  const runs = ctx.quick ? 3 : 9;
  const warmup = ctx.quick ? 1 : 2;
  const sink = await startOtlpSink();
  const servers = [off];
  try {
    servers.push(
      await startServe({
        baseURL: ctx.fake.fast,
        model,
        nodeOptions: ctx.serveNode('relay-traced'),
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'agentws-bench' },
      }),
    );
    if (ctx.baseline !== undefined) {
      servers.push(
        await startServe({
          baseURL: ctx.fake.fast,
          model,
          nodeOptions: ctx.serveNode('relay-baseline'),
          bin: ctx.baseline,
        }),
      );
    }
    ctx.log(`relay: tracing off vs on${ctx.baseline ? ' vs the baseline build' : ''}, ${runs} rounds in turns`);
    const result = await runLoad(
      'relay-interleaved',
      { uris: servers.map((s) => s.uri), message: MESSAGE, mode: 'text', runs, warmup, expectTokens: tokens },
      { timeoutMs: 120_000 },
    );
    const [offRates, onRates, baseRates] = result.servers.map((s) => s.runs);
    // Stopping the traced server flushes its last spans to the sink: the export count below includes them.
    await servers[1].stop();
    const [offResult, onResult, baseResult] = result.servers;
    return {
      runs,
      off: { tokensPerSec: offResult.tokensPerSec, runs: offResult.runs },
      on: { tokensPerSec: onResult.tokensPerSec, runs: onResult.runs },
      onToOff: medianRatio(onRates, offRates),
      ...(baseResult
        ? {
            baseline: { bin: ctx.baseline, tokensPerSec: baseResult.tokensPerSec, runs: baseResult.runs },
            offToBaseline: medianRatio(offRates, baseRates),
          }
        : {}),
      exports: { ...sink.counts },
    };
  } finally {
    await Promise.all(servers.slice(1).map((s) => s.stop()));
    await sink.stop();
  }
}

/** 2. Session latency: sequential seed sessions (200-token reply) on a warm server. */
export async function latencyPhase(ctx, serve) {
  const count = ctx.quick ? 20 : 100;
  ctx.log(`latency: ${count} sequential seed sessions after 10 warm-up ones`);
  const probe = cpuProbe([serve.pid, ctx.fake.pid]);
  const result = await runLoad(
    'sessions',
    { uri: serve.uri, message: MESSAGE, count, parallel: false, warmup: 10, expectTokens: 200 },
    { timeoutMs: 60_000 },
  );
  const cpu = probe(result.clientCpuMs);
  result.serverCpuMsPerSession = cpu.ms[0] === null ? null : round(cpu.ms[0] / (count + 10), 2);
  result.othersCpuPercent = cpu.others;
  return result;
}

/** 3. Concurrency: N seed sessions opened at once, N = 200, 1,000, 2,000. */
export async function concurrencyPhase(ctx, serve) {
  const levels = ctx.quick ? [200] : [200, 1_000, 2_000];
  const results = {};
  for (const count of levels) {
    ctx.log(`concurrency: ${count} seed sessions at once`);
    const probe = cpuProbe([serve.pid, ctx.fake.pid]);
    let peak = rssMiB(serve.pid) ?? 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(serve.pid) ?? 0)), 100);
    let result;
    try {
      result = await runLoad(
        'sessions',
        { uri: serve.uri, message: MESSAGE, count, parallel: true, expectTokens: 200 },
        { timeoutMs: 90_000 },
      );
    } finally {
      clearInterval(sampler);
    }
    const cpu = probe(result.clientCpuMs);
    result.serverPeakRssMiB = round(peak, 1);
    result.serverCpuMsPerSession = cpu.ms[0] === null ? null : round(cpu.ms[0] / count, 2);
    result.cpuPercent = {
      serve: cpu.procs[0],
      fakeModel: cpu.procs[1],
      client: result.clientCpuPercent,
      others: cpu.others,
    };
    results[count] = result;
    await sleep(500);
  }
  return results;
}

/** 5. CLI start: `agentws --version` and `agentws connect` to its first frame, each a cold process. */
export async function cliPhase(ctx, serve, { timeVersion, timeConnect, timeNodeAlone }) {
  const runs = ctx.quick ? 3 : 9;
  ctx.log(`cli: ${runs} cold runs each of node alone, agentws --version, agentws connect`);
  const nodeAlone = [];
  const version = [];
  const connect = [];
  for (let i = 0; i < runs; i++) {
    nodeAlone.push(await timeNodeAlone());
    version.push(await timeVersion());
    connect.push(await timeConnect(serve.uri, MESSAGE));
  }
  return {
    runs,
    nodeAloneMs: round(median(nodeAlone)),
    versionMs: round(median(version)),
    connectToFirstFrameMs: round(median(connect)),
  };
}
