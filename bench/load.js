/**
 * The benchmark's load-client process: `node bench/load.js <scenario> '<json options>'`.
 *
 * Runs one scenario against servers started by bench/run.js and prints JSON lines on stdout: `{"type":"progress",...}`
 * while it runs (so run.js can sample the server's memory at the right moment) and one `{"type":"result",...}` at the
 * end. Every scenario is bounded by `timeoutMs`: sessions still open then are cut and counted as errors.
 */
import OpenAI from 'openai';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSse, readWithSdk } from './lib/model-readers.js';
import { drop, endHeld, resumeAndEnd, runToFollowUp } from './lib/resume-client.js';
import { openSession } from './lib/session-client.js';
import { followTakeover } from './lib/takeover-client.js';
import { mean, median, percentile, round, summarize } from './lib/stats.js';

function emit(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

function rate(tokens, fromMs, toMs) {
  return round(tokens / ((toMs - fromMs) / 1000), 0);
}

/** CPU time (user + system) this process used since `before` (a `process.cpuUsage()`), in ms. */
function cpuMs(before) {
  const cpu = process.cpuUsage(before);
  return round((cpu.user + cpu.system) / 1000, 0);
}

/** Median run of `runs` (by rate) after `warmup` discarded runs. */
async function bestOf(runs, warmup, once) {
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < warmup; i++) await once();
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const cpu = process.cpuUsage(cpuBefore);
  const runsByRate = results.map((r) => r.tokensPerSec);
  results.sort((a, b) => a.tokensPerSec - b.tokensPerSec);
  return {
    ...results[Math.floor(results.length / 2)],
    runs: runsByRate,
    clientCpuMs: round((cpu.user + cpu.system) / 1000, 0),
  };
}

/** One long reply through a websocket server (agentws or the bare one); tokens/s from stream start to stream end. */
async function relayWs({ uri, message, mode = 'text', runs = 3, warmup = 1 }) {
  return bestOf(runs, warmup, async () => {
    const record = await openSession(uri, { message, mode }).done;
    if (record.error) throw new Error(`relay session failed: ${record.error}`);
    return {
      tokens: record.tokens,
      ms: round(record.streamEnd - record.streamStart),
      tokensPerSec: rate(record.tokens, record.streamStart, record.streamEnd),
    };
  });
}

/** The same reply read from the fake model directly: raw SSE bytes, or the `openai` SDK. */
async function relayModel({ baseURL, body, reader, runs = 3, warmup = 1 }) {
  const client = new OpenAI({ baseURL, apiKey: 'bench', maxRetries: 0 });
  return bestOf(runs, warmup, async () => {
    const record = reader === 'sdk' ? await readWithSdk(client, body) : await readSse(baseURL, body);
    return {
      tokens: record.tokens,
      ms: round(record.end - record.headers),
      tokensPerSec: rate(record.tokens, record.headers, record.end),
    };
  });
}

function gapStats(records) {
  const perSession = records.filter((r) => r.gaps && r.gaps.length > 0).map((r) => mean(r.gaps));
  const all = [];
  for (const r of records) if (r.gaps) for (const gap of r.gaps) all.push(gap);
  return {
    meanGapMs: round(mean(perSession)),
    p50GapMs: round(percentile(all, 50)),
    p99GapMs: round(percentile(all, 99)),
    worstSessionMeanGapMs: round(perSession.reduce((a, b) => (b > a ? b : a), -Infinity)),
  };
}

/**
 * Seed sessions, `count` of them, either one after another or all opened at once, on `uri` or spread over `uris`
 * (session i on `uris[i % uris.length]`). Reports connect → first token, → TERMINATE and → close, the wall time, and
 * every session that did not end cleanly as an error.
 */
async function sessions({
  uri,
  uris = [uri],
  message,
  mode,
  count,
  parallel,
  warmup = 0,
  expectTokens,
  gaps = false,
  timeoutMs,
}) {
  for (let i = 0; i < warmup; i++) await openSession(uris[i % uris.length], { message, mode }).done;
  const cpuBefore = process.cpuUsage();
  const deadline = performance.now() + timeoutMs;
  const open = new Set();
  let streaming = 0;
  const onFirstToken = () => {
    streaming++;
    if (streaming === count) emit({ type: 'progress', event: 'all-streaming', at: performance.now() - started });
  };
  const started = performance.now();
  const records = [];
  const timer = setTimeout(() => {
    for (const ws of open) ws.terminate();
  }, timeoutMs);
  const one = async (i) => {
    const session = openSession(uris[i % uris.length], { message, mode, gaps, onFirstToken });
    open.add(session.ws);
    const record = await session.done;
    open.delete(session.ws);
    if (performance.now() >= deadline && record.error === undefined) record.error = 'phase timeout';
    records.push(record);
  };
  if (parallel) {
    const runs = [];
    for (let i = 0; i < count; i++) runs.push(one(i));
    await Promise.all(runs);
  } else {
    for (let i = 0; i < count && performance.now() < deadline; i++) await one(i);
  }
  clearTimeout(timer);
  const wallMs = performance.now() - started;

  const errors = {};
  let errorCount = count - records.length;
  if (errorCount > 0) errors['not started (phase timeout)'] = errorCount;
  for (const r of records) {
    let error = r.error;
    if (error === undefined && r.terminate === undefined) error = 'no TERMINATE';
    if (error === undefined && expectTokens !== undefined && r.tokens !== expectTokens) {
      error = `reply of ${r.tokens} tokens, not ${expectTokens}`;
    }
    if (error !== undefined) {
      errorCount++;
      const kind = error
        .replace(/[0-9a-f-]{36}/g, '<id>')
        .replace(/\s+/g, ' ')
        .slice(0, 300);
      errors[kind] = (errors[kind] ?? 0) + 1;
    }
  }
  const ok = records.filter((r) => r.terminate !== undefined);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    sessions: count,
    completed: ok.length,
    errors: errorCount,
    errorKinds: errors,
    wallMs: round(wallMs),
    sessionsPerSec: round(ok.length / (wallMs / 1000), 1),
    connectToOpenMs: summarize(ok.map((r) => r.open - r.t0)),
    connectToFirstTokenMs: summarize(ok.map((r) => r.firstToken - r.t0)),
    connectToTerminateMs: summarize(ok.map((r) => r.terminate - r.t0)),
    connectToCloseMs: summarize(ok.map((r) => r.close - r.t0)),
    clientCpuMs: round((cpu.user + cpu.system) / 1000, 0),
    clientCpuPercent: round((100 * (cpu.user + cpu.system)) / 1000 / wallMs, 0),
    ...(gaps ? { gaps: gapStats(ok) } : {}),
  };
}

/** `count` paced streams read at once by bare SSE clients: the fake model's own pacing under the same load. */
async function sseMany({ baseURL, body, count, timeoutMs }) {
  const timer = setTimeout(() => {
    emit({ type: 'result', result: { error: 'phase timeout' } });
    process.exit(1);
  }, timeoutMs);
  const records = await Promise.all(Array.from({ length: count }, () => readSse(baseURL, body, { gaps: true })));
  clearTimeout(timer);
  return { streams: count, tokens: records[0]?.tokens, gaps: gapStats(records) };
}

/**
 * The same long reply through two or more servers (`uris`), interleaved in one process: `warmup` runs on each, then
 * `runs` rounds, each round one run per server, the order turning every round (A B, B A, …) so that a drift of the
 * machine touches all alike. Per server: the median rate and every run; `pairRatios`: each round's rate of the first
 * server ÷ the second.
 */
async function relayInterleaved({ uris, message, mode = 'json', runs = 5, warmup = 1, expectTokens }) {
  const once = async (uri) => {
    const record = await openSession(uri, { message, mode }).done;
    if (record.error) throw new Error(`relay session failed (${uri}): ${record.error}`);
    if (expectTokens !== undefined && record.tokens !== expectTokens) {
      throw new Error(`relay session (${uri}) counted ${record.tokens} tokens, expected ${expectTokens}`);
    }
    return rate(record.tokens, record.streamStart, record.streamEnd);
  };
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < warmup; i++) for (const uri of uris) await once(uri);
  const rates = uris.map(() => []);
  for (let round = 0; round < runs; round++) {
    const order = uris.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) rates[i].push(await once(uris[i]));
  }
  return {
    servers: uris.map((uri, i) => ({ uri, tokensPerSec: median(rates[i]), runs: rates[i] })),
    pairRatios: rates[0].map((r, i) => round(r / rates[1][i], 3)),
    clientCpuMs: cpuMs(cpuBefore),
  };
}

/**
 * Resume latency: `warmup` + `runs` times, a seed session with a long reply is run up to its follow-up request (its
 * whole run is then in the session's log), the connection is dropped (no close frame), and the session is resumed on
 * a new connection, to `resumeUri` (another instance on the same store) or `uri`, with `after` = 0, or with `after`
 * `lateBy` events before its last: resume frame → `resumed`, → the last replayed event. The run is then ended with an
 * empty answer (run_completion, close 1000).
 */
async function resumeLatency({
  uri,
  resumeUri = uri,
  lateBy,
  message,
  runs = 5,
  warmup = 1,
  expectTokens,
  settleMs = 100,
}) {
  const cpuBefore = process.cpuUsage();
  const results = [];
  for (let i = 0; i < warmup + runs; i++) {
    const held = await runToFollowUp(uri, message, 60_000);
    if (expectTokens !== undefined && held.tokens !== expectTokens) {
      throw new Error(`the run streamed ${held.tokens} tokens, expected ${expectTokens}`);
    }
    await drop(held.ws);
    await sleep(settleMs); // the server sees the drop: the session is detached when the resume comes
    const after = lateBy === undefined ? 0 : held.lastSeq - lateBy;
    const timing = await resumeAndEnd(resumeUri, held, after, 60_000);
    if (timing.replayed !== held.lastSeq - after) {
      throw new Error(`replayed ${timing.replayed} events after ${after}, expected ${held.lastSeq - after}`);
    }
    if (i >= warmup) results.push({ ...timing, liveBytes: held.bytes });
  }
  const pick = (key) => results.map((r) => r[key]);
  return {
    events: results[0].lastSeq,
    replayed: results[0].replayed,
    replayedBytes: results[0].replayedBytes,
    runs: results.length,
    toResumedMs: summarize(pick('toResumedMs')),
    toLastReplayedMs: summarize(pick('toLastReplayedMs')),
    allToLastReplayedMs: pick('toLastReplayedMs').map((ms) => round(ms)),
    clientCpuMs: cpuMs(cpuBefore),
  };
}

/**
 * Held sessions for the memory figures, steered by run.js through stdin (one command a line) and answering with
 * progress lines: opens `count` seed sessions, `atOnce` at a time (all at once by default), and runs each to its
 * follow-up request (`held`: the sessions are live, waiting for the next message); then per command:
 * - `drop`: drops every connection (no close frame; `dropped`): with a resume window, the sessions are detached;
 * - `resume-end`: resumes each (after its last event: nothing to replay) and ends it with an empty answer (`ended`);
 * - `end`: ends each on its own connection with an empty answer (`ended`);
 * - `done`: prints the result and exits.
 */
async function hold({ uri, message, count, atOnce = count, expectTokens, timeoutMs }) {
  const started = performance.now();
  const settled = [];
  for (let opened = 0; opened < count; opened += atOnce) {
    const wave = Math.min(atOnce, count - opened);
    settled.push(
      ...(await Promise.allSettled(Array.from({ length: wave }, () => runToFollowUp(uri, message, timeoutMs)))),
    );
  }
  const held = [];
  const errorKinds = {};
  const error = (why) => {
    const kind = why.replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 300);
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  for (const s of settled) {
    if (s.status === 'rejected') error(s.reason.message);
    else if (expectTokens !== undefined && s.value.tokens !== expectTokens) error(`reply of ${s.value.tokens} tokens`);
    else held.push(s.value);
  }
  const heldMs = round(performance.now() - started);
  const lastSeqs = held.map((h) => h.lastSeq);
  emit({ type: 'progress', event: 'held', held: held.length, heldMs });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = line.trim();
    if (command === 'drop') {
      await Promise.all(held.map((h) => drop(h.ws)));
      emit({ type: 'progress', event: 'dropped' });
    } else if (command === 'resume-end' || command === 'end') {
      const ends = await Promise.allSettled(
        held.map((h) => (command === 'end' ? endHeld(h) : resumeAndEnd(uri, h, h.lastSeq))),
      );
      for (const e of ends) if (e.status === 'rejected') error(`${command}: ${e.reason.message}`);
      emit({ type: 'progress', event: 'ended' });
    } else if (command === 'done') break;
  }
  lines.close();
  const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
  return {
    sessions: count,
    held: held.length,
    heldMs,
    eventsPerSession: median(lastSeqs),
    errors,
    errorKinds,
  };
}

/**
 * Takeover after kill -9 (the store phase): a seed session on `uri` streams from the paced model; once it has
 * `killAfterTokens` tokens this process says so (`streaming`), run.js kills that instance with SIGKILL and answers
 * `killed <epoch ms>` on stdin; the client resumes through `resumeUri` at once and reads the run, taken over, to its
 * end. Times from the kill: A's connection closed, `resumed`, the new owner's first event (`step_retried`), the retried
 * step's first token.
 */
async function takeover({ uri, resumeUri, message, killAfterTokens, expectTokens, timeoutMs }) {
  const lines = createInterface({ input: process.stdin });
  const killed = new Promise((resolve) => {
    lines.on('line', (line) => {
      const [command, at] = line.trim().split(' ');
      if (command === 'killed') resolve(Number(at));
    });
  });
  const record = await followTakeover({
    uri,
    resumeUri,
    message,
    killAfterTokens,
    expectTokens,
    timeoutMs,
    onStreaming: () => emit({ type: 'progress', event: 'streaming' }),
  });
  const killedAt = await killed;
  lines.close();
  const since = (at) => round(at - killedAt);
  return {
    tokensBeforeKill: record.tokensBeforeKill,
    afterSeq: record.afterSeq,
    closeCode: record.closeCode,
    discarded: record.discarded,
    tokens: record.tokens,
    toCloseMs: since(record.closedAt),
    toResumedMs: since(record.resumedAt),
    toLiveEventMs: since(record.retriedAt),
    toFirstTokenMs: since(record.firstTokenAt),
  };
}

const SCENARIOS = {
  'relay-ws': relayWs,
  'relay-model': relayModel,
  'relay-interleaved': relayInterleaved,
  'resume-latency': resumeLatency,
  hold,
  sessions,
  takeover,
  'sse-many': sseMany,
};

const [name, json] = process.argv.slice(2);
const scenario = SCENARIOS[name];
if (scenario === undefined) {
  process.stderr.write(`usage: node bench/load.js <${Object.keys(SCENARIOS).join('|')}> '<json options>'\n`);
  process.exit(2);
}
try {
  emit({ type: 'result', result: await scenario(JSON.parse(json ?? '{}')) });
  process.exit(0);
} catch (error) {
  emit({ type: 'result', result: { error: error instanceof Error ? error.message : String(error) } });
  process.exit(1);
}
