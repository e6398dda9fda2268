import { cpuProbe, runLoad } from './children.js';
import { MESSAGE } from './phases.js';
import { startRedis } from './redis-server.js';
import { startServe } from './servers.js';
import { epochNow } from './takeover-client.js';
import { median, round } from './stats.js';

/**
 * 7. Store: agentws on Redis (`serve --store redis://…`, docs/scaling.md; the figures). The phase starts its
 * own redis-server and, per part, `agentws serve` processes on it (each part with its own key prefix):
 * - relay throughput with the Redis store ÷ the memory store, JSON mode, in turns;
 * - resume through another instance of a session with 10,000 logged events: resume frame → the last replayed event;
 * - takeover after kill -9: the instance running a streaming session is killed, the client resumes through another
 *   one: kill → the next live event;
 * - seed sessions per second, two instances on one Redis ÷ one instance, in turns (and one on the memory store).
 */
export async function storePhase(ctx) {
  const redis = await startRedis();
  try {
    const relay = await storeRelay(ctx, redis);
    const seed = await seedRate(ctx, redis);
    const resume = await crossResume(ctx, redis);
    const takeover = await takeoverAfterKill(ctx, redis);
    return { relay, seed, resume, takeover };
  } finally {
    await redis.stop();
  }
}

/** The late resume through another instance replays this many events (after = the last seq − LATE_BY). */
const LATE_BY = 100;
/** The takeover's instance A is killed once its client has this many tokens of the poem (0.5 s at 20 ms/token). */
const KILL_AFTER_TOKENS = 25;

/** `serve` args for the Redis store, with a key prefix per part of the phase. */
const storeArgs = (redis, part) => ['--store', `${redis.url}?prefix=bench-${part}:`];

/** Starts servers together; when one fails, stops those that started and throws its error. */
async function startAll(starts) {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed === undefined) return settled.map((s) => s.value);
  await Promise.all(settled.filter((s) => s.status === 'fulfilled').map((s) => s.value.stop()));
  throw failed.reason;
}

/** CPU time per `per` units of work (ms, 2 decimals), or null where /proc has no figure. */
const cpuPer = (ms, units, per = 1) => (ms === null ? null : round((ms * per) / units, 2));

/** JSON-mode relay of one 20,000-token reply: `serve --store redis://…` and the default (memory) store, in turns. */
async function storeRelay(ctx, redis) {
  const tokens = 20_000;
  const model = `bench-${tokens}`;
  const runs = ctx.quick ? 3 : 9;
  const warmup = ctx.quick ? 1 : 2;
  const [onRedis, inMemory] = await startAll([
    startServe({
      baseURL: ctx.fake.fast,
      model,
      nodeOptions: ctx.serveNode('store-relay-redis'),
      args: storeArgs(redis, 'relay'),
    }),
    startServe({ baseURL: ctx.fake.fast, model, nodeOptions: ctx.serveNode('store-relay-memory') }),
  ]);
  try {
    ctx.log(`store: JSON relay of ${tokens} tokens, Redis store vs memory store, ${runs} rounds in turns`);
    const probe = cpuProbe([onRedis.pid, inMemory.pid, redis.pid, ctx.fake.pid]);
    const result = await runLoad(
      'relay-interleaved',
      { uris: [onRedis.uri, inMemory.uri], message: MESSAGE, mode: 'json', runs, warmup, expectTokens: tokens },
      { timeoutMs: 180_000 },
    );
    const cpu = probe(result.clientCpuMs);
    const [redisResult, memoryResult] = result.servers;
    // Each server works only during its own runs; Redis only during the Redis server's.
    const thousands = ((warmup + runs) * tokens) / 1000;
    return {
      tokens,
      runs,
      redis: {
        tokensPerSec: redisResult.tokensPerSec,
        runs: redisResult.runs,
        cpuMsPer1000Tokens: cpuPer(cpu.ms[0], thousands),
        redisCpuMsPer1000Tokens: cpuPer(cpu.ms[2], thousands),
      },
      memory: {
        tokensPerSec: memoryResult.tokensPerSec,
        runs: memoryResult.runs,
        cpuMsPer1000Tokens: cpuPer(cpu.ms[1], thousands),
      },
      ratio: round(redisResult.tokensPerSec / memoryResult.tokensPerSec, 3),
      pairRatios: result.pairRatios,
      medianPairRatio: median(result.pairRatios),
      othersCpuPercent: cpu.others,
    };
  } finally {
    await Promise.all([onRedis.stop(), inMemory.stop()]);
  }
}

/**
 * A session with about 10,000 logged events, run on instance A to its follow-up request and dropped, then resumed
 * through instance B (which replays it from Redis): after 0, and after a late seq (`LATE_BY` events before the last).
 * B then ends the run with an empty answer, which reaches A through Redis.
 */
async function crossResume(ctx, redis) {
  const tokens = 10_000;
  const runs = ctx.quick ? 3 : 9;
  const warmup = ctx.quick ? 1 : 2;
  const start = (name) =>
    startServe({
      baseURL: ctx.fake.fast,
      model: `bench-${tokens}`,
      nodeOptions: ctx.serveNode(`store-resume-${name}`),
      args: storeArgs(redis, 'resume'),
    });
  const [a, b] = await startAll([start('a'), start('b')]);
  try {
    ctx.log(`store: ${runs} resumes through another instance of a ${tokens}-token run, after 0 and late`);
    const options = { uri: a.uri, resumeUri: b.uri, message: MESSAGE, runs, warmup, expectTokens: tokens };
    const probe = cpuProbe([a.pid, b.pid, redis.pid, ctx.fake.pid]);
    const fromStart = await runLoad('resume-latency', options, { timeoutMs: 180_000 });
    const late = await runLoad('resume-latency', { ...options, warmup: 1, lateBy: LATE_BY }, { timeoutMs: 180_000 });
    const othersCpuPercent = probe(fromStart.clientCpuMs + late.clientCpuMs).others;
    return { tokens, lateBy: LATE_BY, fromStart, late, othersCpuPercent };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

/**
 * Takeover after kill -9: per repetition a fresh instance A and the long-lived B on one Redis; a seed session on A
 * streams its poem from the paced model; after KILL_AFTER_TOKENS tokens A is killed with SIGKILL, the client resumes
 * through B, B takes the run over once A's lease lapses (3 s by default) and runs the poem again. Each repetition's
 * times from the kill are reported, and the run checked whole at the client.
 */
async function takeoverAfterKill(ctx, redis) {
  const reps = ctx.quick ? 2 : 5;
  const tokens = 200;
  const start = (name) =>
    startServe({
      baseURL: ctx.fake.paced,
      model: `bench-${tokens}`,
      nodeOptions: ctx.serveNode(`store-takeover-${name}`),
      args: storeArgs(redis, 'takeover'),
    });
  const b = await start('b');
  const results = [];
  try {
    ctx.log(`store: ${reps} takeovers after kill -9 of the instance streaming a paced ${tokens}-token poem`);
    for (let i = 0; i < reps; i++) {
      const a = await start(`a${i}`);
      try {
        const result = await runLoad(
          'takeover',
          {
            uri: a.uri,
            resumeUri: b.uri,
            message: MESSAGE,
            killAfterTokens: KILL_AFTER_TOKENS,
            expectTokens: tokens,
          },
          {
            timeoutMs: 60_000,
            onProgress: (message, send) => {
              if (message.event !== 'streaming') return;
              const at = epochNow();
              a.child.kill('SIGKILL');
              send(`killed ${at}`);
            },
          },
        );
        results.push(result);
      } finally {
        await a.stop();
      }
    }
  } finally {
    await b.stop();
  }
  return {
    reps,
    tokens,
    killAfterTokens: KILL_AFTER_TOKENS,
    pacedMs: ctx.pacedMs,
    results,
    maxToLiveEventMs: Math.max(...results.map((r) => r.toLiveEventMs)),
    medianToLiveEventMs: median(results.map((r) => r.toLiveEventMs)),
  };
}

/**
 * Seed sessions per second: N JSON seed sessions (200-token poem) opened at once from one client process, on one
 * instance on Redis, spread over two instances on the same Redis, and on one instance with the memory store, in turns
 * (the order turning every round). Per arm: the median sessions/s of the rounds, errors, and the CPU the agentws
 * processes and Redis used per session.
 */
async function seedRate(ctx, redis) {
  const count = ctx.quick ? 100 : 200;
  const rounds = ctx.quick ? 1 : 5;
  const start = (name, args = storeArgs(redis, 'seed')) =>
    startServe({ baseURL: ctx.fake.fast, model: 'bench-200', nodeOptions: ctx.serveNode(`store-seed-${name}`), args });
  const [a, b, m] = await startAll([start('a'), start('b'), start('memory', [])]);
  /** One way of serving the sessions, and what its rounds measured. */
  const newArm = (name, servers) => ({
    name,
    servers,
    rates: [],
    p50s: [],
    errors: 0,
    errorKinds: {},
    serveMs: 0,
    redisMs: 0,
  });
  const arms = [newArm('one', [a]), newArm('two', [a, b]), newArm('memory', [m])];
  const seed = { message: MESSAGE, mode: 'json', parallel: true, expectTokens: 200 };
  let othersMax = 0;
  try {
    ctx.log(`store: ${count} JSON seed sessions at once: 1 instance vs 2 on one Redis (and memory), ${rounds} rounds`);
    for (const { name, servers } of arms) {
      const uris = servers.map((s) => s.uri);
      const warm = await runLoad('sessions', { ...seed, uris, count: 50 }, { timeoutMs: 60_000 });
      if (warm.errors > 0) throw new Error(`warm-up (${name}): ${JSON.stringify(warm.errorKinds)}`);
    }
    for (let r = 0; r < rounds; r++) {
      // A B C, B C A, C A B, …: every arm takes every place in turn.
      const order = arms.map((_, i) => arms[(i + r) % arms.length]);
      for (const arm of order) {
        const probe = cpuProbe([...arm.servers.map((s) => s.pid), redis.pid]);
        const uris = arm.servers.map((s) => s.uri);
        const result = await runLoad('sessions', { ...seed, uris, count }, { timeoutMs: 120_000 });
        const cpu = probe(result.clientCpuMs);
        arm.rates.push(result.sessionsPerSec);
        arm.p50s.push(result.connectToTerminateMs.p50);
        arm.errors += result.errors;
        for (const [kind, n] of Object.entries(result.errorKinds))
          arm.errorKinds[kind] = (arm.errorKinds[kind] ?? 0) + n;
        arm.serveMs += cpu.ms.slice(0, -1).reduce((sum, ms) => sum + (ms ?? 0), 0);
        arm.redisMs += cpu.ms.at(-1) ?? 0;
        othersMax = Math.max(othersMax, cpu.others ?? 0);
      }
    }
  } finally {
    await Promise.all([a.stop(), b.stop(), m.stop()]);
  }
  const summary = (arm) => ({
    instances: arm.servers.length,
    sessionsPerSec: median(arm.rates),
    rounds: arm.rates,
    connectToTerminateP50Ms: median(arm.p50s),
    errors: arm.errors,
    errorKinds: arm.errorKinds,
    serveCpuMsPerSession: cpuPer(arm.serveMs, rounds * count),
    redisCpuMsPerSession: arm.name === 'memory' ? null : cpuPer(arm.redisMs, rounds * count),
  });
  const [one, two, memory] = arms.map(summary);
  return {
    sessions: count,
    rounds,
    one,
    two,
    memory,
    twoToOne: round(two.sessionsPerSec / one.sessionsPerSec, 3),
    oneToMemory: round(one.sessionsPerSec / memory.sessionsPerSec, 3),
    othersCpuPercent: othersMax,
  };
}
