import { setTimeout as sleep } from 'node:timers/promises';
import { cpuProbe, rssMiB, runLoad } from './children.js';
import { connectInspector } from './inspector.js';
import { MESSAGE, poemRequest } from './phases.js';
import { startServe } from './servers.js';
import { round } from './stats.js';

/**
 * 3b and 4. The paced model (it waits between tokens): the added per-token latency under load, and the server's
 * memory idle, with N live sessions, and after they end. Uses its own fresh `agentws serve`, started with node's
 * inspector on 127.0.0.1 so that full garbage collections can be asked for: RSS is sampled first, as a user sees it;
 * the heap after a full GC then shows what the sessions really keep (RSS also holds garbage V8 has not collected).
 */
export async function pacedPhase(ctx) {
  const count = ctx.quick ? 200 : 1_000;
  const serve = await startServe({
    baseURL: ctx.fake.paced,
    model: 'bench-200',
    nodeOptions: ctx.serveNode('paced'),
    inspect: true,
  });
  const inspector = await connectInspector(serve.inspectorUrl);
  const seed = { uri: serve.uri, message: MESSAGE, expectTokens: 200 };
  const body = poemRequest('bench-200');
  try {
    await sleep(1_000);
    const idleColdMiB = rssMiB(serve.pid);
    ctx.log(`paced: warm-up (20 sessions), then 1 session alone, then ${count} at once (${ctx.pacedMs} ms/token)`);
    await runLoad('sessions', { ...seed, count: 20, parallel: true }, { timeoutMs: 60_000 });
    await sleep(1_000);
    const idleWarmMiB = rssMiB(serve.pid);
    const warmGc = await inspector.collect();

    const alone = await runLoad('sessions', { ...seed, count: 1, parallel: false, gaps: true }, { timeoutMs: 60_000 });
    const sseAlone = await runLoad('sse-many', { baseURL: ctx.fake.paced, body, count: 1 }, { timeoutMs: 60_000 });
    const sseLoaded = await runLoad('sse-many', { baseURL: ctx.fake.paced, body, count }, { timeoutMs: 90_000 });

    const probe = cpuProbe([serve.pid, ctx.fake.pid]);
    let liveMiB = null;
    let peakMiB = idleWarmMiB ?? 0;
    const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, rssMiB(serve.pid) ?? 0)), 100);
    let loaded;
    try {
      loaded = await runLoad(
        'sessions',
        { ...seed, count, parallel: true, gaps: true },
        {
          timeoutMs: 120_000,
          onProgress: (message) => {
            if (message.event === 'all-streaming') liveMiB = rssMiB(serve.pid);
          },
        },
      );
    } finally {
      clearInterval(sampler);
    }
    const cpu = probe(loaded.clientCpuMs);
    loaded.cpuPercent = {
      serve: cpu.procs[0],
      fakeModel: cpu.procs[1],
      client: loaded.clientCpuPercent,
      others: cpu.others,
    };
    await sleep(1_000);
    const after1sMiB = rssMiB(serve.pid);
    await sleep(9_000);
    const after10sMiB = rssMiB(serve.pid);
    const afterGc = await inspector.collect();

    // A second round, without timing the tokens: a full GC while every session is live measures the heap they keep,
    // and the RSS after it tells retention (memory reused: RSS stays level) from a leak (it grows again).
    ctx.log(`paced: a second round of ${count} sessions (full GC while they are live)`);
    let liveGc;
    const again = await runLoad(
      'sessions',
      { ...seed, count, parallel: true },
      {
        timeoutMs: 120_000,
        onProgress: (message) => {
          if (message.event === 'all-streaming') liveGc = inspector.collect();
        },
      },
    );
    liveGc = await liveGc;
    await sleep(10_000);
    const after2ndMiB = rssMiB(serve.pid);
    const after2ndGc = await inspector.collect();

    const perSession = (from, to) => (from === null || to === null ? null : round(((to - from) * 1024) / count, 1));
    const gapOf = (result) => result.gaps.meanGapMs;
    return {
      sessions: count,
      tokenDelayMs: ctx.pacedMs,
      loaded,
      perToken: {
        sourceAloneMs: gapOf(sseAlone),
        sourceLoadedMs: gapOf(sseLoaded),
        agentwsAloneMs: gapOf(alone),
        agentwsLoadedMs: gapOf(loaded),
        addedAloneMs: round(gapOf(alone) - gapOf(sseAlone)),
        addedLoadedMs: round(gapOf(loaded) - gapOf(sseLoaded)),
        p99GapLoadedMs: loaded.gaps.p99GapMs,
        p99GapSourceLoadedMs: sseLoaded.gaps.p99GapMs,
      },
      memory: {
        idleColdMiB: round(idleColdMiB, 1),
        idleWarmMiB: round(idleWarmMiB, 1),
        liveMiB: round(liveMiB, 1),
        peakMiB: round(peakMiB, 1),
        perSessionKiB: perSession(idleWarmMiB, liveMiB),
        after1sMiB: round(after1sMiB, 1),
        after10sMiB: round(after10sMiB, 1),
        warmGc,
        afterGc,
        liveGc: liveGc ?? null,
        heapPerSessionKiB: liveGc ? perSession(warmGc.heapUsed, liveGc.heapUsed) : null,
        rssAfterGcPerSessionKiB: liveGc ? perSession(warmGc.rss, liveGc.rss) : null,
        secondRound: { errors: again.errors, after10sMiB: round(after2ndMiB, 1), afterGc: after2ndGc },
      },
    };
  } finally {
    inspector.close();
    await serve.stop();
  }
}
