import { noisyPhases, RESUME_TARGETS, STORE_TARGETS } from './targets.js';

/**
 * The human-readable report: one table, a section per phase, each row `figure | measured | target | AutoGen 0.2 |
 * MET/MISSED`.
 */

const na = (value) => value === null || value === undefined;
const int = (value) => (na(value) ? 'n/a' : Math.round(value).toLocaleString('en-US'));
const ms = (value) => (na(value) ? 'n/a' : `${value.toFixed(value < 10 ? 2 : 1)} ms`);
const fixed = (value, digits = 2) => (na(value) ? 'n/a' : value.toFixed(digits));
const mib = (value) => `${fixed(value, 1)} MiB`;
const triple = (s) => `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.p99)}`;
const tps = (result) => `${int(result.tokensPerSec)}/s`;
const cpuLine = (cpu) =>
  cpu ? [cpu.serve, cpu.fakeModel, cpu.client, cpu.others].map((v) => (na(v) ? 'n/a' : v)).join(' / ') : 'n/a';
const verdict = (ok) => (ok === undefined ? '' : ok ? 'MET' : 'MISSED');

function table(rows) {
  const widths = [0, 0, 0, 0, 0];
  for (const row of rows) {
    if (typeof row !== 'string') row.forEach((cell, i) => (widths[i] = Math.max(widths[i], cell.length)));
  }
  const line = (row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return rows.map((row) => (typeof row === 'string' ? `\n${row}` : line(row))).join('\n');
}

function relayRows(relay, row) {
  row(
    'agentws, text mode',
    tps(relay.agentws.text),
    '>= 100,000/s',
    '~10,000/s',
    'relay tokens/s, one session (text mode)',
  );
  row('agentws, JSON mode (agentws.v1)', tps(relay.agentws.json));
  row('ceiling: openai SDK alone reading the fake model', tps(relay.ceilings.sdk));
  row('ceiling: bare SSE client', tps(relay.ceilings.sse));
  row('ceiling: bare ws server sending the same frames', tps(relay.ceilings.bareWs));
  row('ceiling: minimal relay (SSE, JSON.parse, ws; no SDK)', tps(relay.ceilings.minimalRelay));
  row('agentws ÷ openai SDK', fixed(relay.ratios.textToSdk), '>= 0.70', '', 'relay ÷ openai SDK alone');
  row('agentws ÷ bare SSE', fixed(relay.ratios.textToSse));
  row('agentws ÷ bare ws', fixed(relay.ratios.textToBareWs));
  row('agentws ÷ minimal relay', fixed(relay.ratios.textToMinimalRelay));
  row('agentws JSON mode ÷ openai SDK', fixed(relay.ratios.jsonToSdk));
  row('CPU % of other programs during the agentws runs', String(relay.othersCpuPercent ?? 'n/a'));
  const { tracing } = relay;
  if (tracing) {
    row(`tracing, text mode (median of ${tracing.runs} rounds in turns)`, '');
    row('  off: no OpenTelemetry SDK (spans are no-ops), metrics on', tps(tracing.off));
    row('  on: SDK registered, every span exported over OTLP/HTTP', tps(tracing.on));
    row('  on ÷ off (median of the rounds)', fixed(tracing.onToOff, 3));
    if (tracing.baseline) {
      row('  baseline build', tps(tracing.baseline));
      row('  off ÷ baseline (median of the rounds)', fixed(tracing.offToBaseline, 3), '>= 0.95');
    }
    row('  OTLP exports received (requests / bytes)', `${tracing.exports.requests} / ${int(tracing.exports.bytes)}`);
  }
}

function latencyRows(latency, row) {
  row(
    'connect → first token',
    triple(latency.connectToFirstTokenMs),
    'p50 < 5 ms',
    '',
    'warm connect → first token p50 (ms)',
  );
  row(
    'connect → TERMINATE',
    triple(latency.connectToTerminateMs),
    'p50 < 10 ms',
    '~84 ms',
    'warm connect → TERMINATE p50 (ms)',
  );
  row('connect → close (run ended)', triple(latency.connectToCloseMs));
  row('server CPU per session', ms(latency.serverCpuMsPerSession));
  row('CPU % of other programs meanwhile', String(latency.othersCpuPercent ?? 'n/a'));
  row('errors', String(latency.errors), '0', '', latency.errors === 0);
}

function concurrencyRows(concurrency, row) {
  for (const [count, r] of Object.entries(concurrency)) {
    const c = Number(count).toLocaleString('en-US');
    const first = count === '200';
    const wall = `${ms(r.wallMs)}, ${fixed(r.sessionsPerSec, 0)}/s`;
    row(
      `${c}: wall time, sessions/s`,
      wall,
      first ? '< 1 s' : '',
      first ? '~13 s, 13-16/s' : '',
      first ? '200 concurrent sessions wall time (ms)' : undefined,
    );
    row(`${c}: connect → TERMINATE p50 / p99`, `${ms(r.connectToTerminateMs.p50)} / ${ms(r.connectToTerminateMs.p99)}`);
    row(`${c}: errors`, String(r.errors), '0', '', r.errors === 0);
    row(`${c}: server peak RSS, CPU per session`, `${mib(r.serverPeakRssMiB)}, ${ms(r.serverCpuMsPerSession)}`);
    row(`${c}: CPU % server / model / clients / others`, cpuLine(r.cpuPercent));
  }
}

function pacedRows(paced, row, head, targets) {
  const p = paced.perToken;
  const n = paced.sessions.toLocaleString('en-US');
  row('fake model alone, 1 stream (bare SSE)', ms(p.sourceAloneMs));
  row('agentws, 1 session (added)', `${ms(p.agentwsAloneMs)} (${ms(p.addedAloneMs)})`);
  row(`fake model alone, ${n} streams at once`, ms(p.sourceLoadedMs));
  row(`agentws, ${n} sessions at once (added per token)`, `${ms(p.agentwsLoadedMs)} (${ms(p.addedLoadedMs)})`);
  row(`agentws, ${n} sessions: p99 gap (fake model alone)`, `${ms(p.p99GapLoadedMs)} (${ms(p.p99GapSourceLoadedMs)})`);
  row(
    `agentws, ${n} sessions: wall time; errors`,
    `${ms(paced.loaded.wallMs)}; ${paced.loaded.errors}`,
    '0 errors',
    '',
    paced.loaded.errors === 0,
  );
  row(`${n} sessions: CPU % server / model / clients / others`, cpuLine(paced.loaded.cpuPercent));
  const m = paced.memory;
  head(`4. Memory: agentws serve RSS, ${n} live paced sessions`);
  row('idle, just started', mib(m.idleColdMiB), '< 60 MiB', '', 'server idle RSS (MiB)');
  row('idle after a warm-up (20 sessions)', mib(m.idleWarmMiB));
  row(`${n} live sessions (peak)`, `${mib(m.liveMiB)} (${mib(m.peakMiB)})`);
  row(
    'per live session (RSS as sampled)',
    `${fixed(m.perSessionKiB, 1)} KiB`,
    '< 100 KiB',
    '~1.6 MiB',
    'server memory per live session (KiB)',
  );
  row('after they end: +1 s, +10 s', `${mib(m.after1sMiB)}, ${mib(m.after10sMiB)}`);
  const gc = (g) => (g ? `RSS ${mib(g.rss)}, heap ${mib(g.heapUsed)}` : 'n/a');
  row('full GC: idle after the warm-up', gc(m.warmGc));
  row(`full GC: ${n} live sessions (second round)`, gc(m.liveGc));
  const perGc = 'server memory per live session, after a full GC (KiB)';
  row('per live session, RSS after a full GC', `${fixed(m.rssAfterGcPerSessionKiB, 1)} KiB`, '< 100 KiB', '', perGc);
  row('per live session, JS heap after a full GC', `${fixed(m.heapPerSessionKiB, 1)} KiB`);
  const heapKept = 'server heap kept after sessions end, after a full GC (MiB)';
  const rssKept = 'server RSS kept after sessions end, after a full GC (MiB)';
  const met = (name) => targets.find((t) => t.name === name)?.met;
  const both = met(heapKept) === undefined ? undefined : met(heapKept) && met(rssKept);
  row('full GC: after they end', gc(m.afterGc), 'back down', '', both);
  const round2 = m.secondRound;
  row(
    `after a second round (+10 s); its errors`,
    `${mib(round2.after10sMiB)}; ${round2.errors}`,
    '0 errors',
    '',
    round2.errors === 0,
  );
  const grew = 'server heap growth over a second round, after a full GC (MiB)';
  row('full GC: after the second round', gc(round2.afterGc), 'heap level', '', grew);
}

function resumeRows(resume, row, head) {
  const { relay, latency, memory } = resume;
  head(
    `6. Resume (JSON mode): one ${int(relay.tokens)}-token reply with the session log on and off, tokens/s ` +
      `(median of ${relay.runs}, in turns)`,
  );
  row('agentws, session log on (default --resume-window)', tps(relay.logOn));
  row('agentws, --resume-window 0 (no log)', tps(relay.logOff));
  row('log on ÷ log off (medians)', fixed(relay.ratio), '>= 0.90', '', RESUME_TARGETS.relay);
  row(
    'log on ÷ log off, each round (median)',
    `${relay.pairRatios.map((r) => fixed(r)).join(' ')} (${fixed(relay.medianPairRatio)})`,
  );
  row(
    'server CPU per 1,000 tokens: log on / log off (ratio)',
    `${ms(relay.logOn.cpuMsPer1000Tokens)} / ${ms(relay.logOff.cpuMsPer1000Tokens)} (${fixed(relay.cpuRatio)})`,
  );
  row('CPU % of other programs meanwhile', String(relay.othersCpuPercent ?? 'n/a'));
  head(
    `6b. Resume of a dropped session with ${int(latency.events)} logged events ` +
      `(${fixed(latency.replayedBytes / 2 ** 20, 1)} MiB), after 0 (p50 / p90 / max of ${latency.runs})`,
  );
  const spread = (s) => `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.max)}`;
  row('resume frame → resumed', spread(latency.toResumedMs));
  row('resume frame → last replayed event', spread(latency.toLastReplayedMs), 'p50 < 50 ms', '', RESUME_TARGETS.replay);
  row('CPU % of other programs meanwhile', String(latency.othersCpuPercent ?? 'n/a'));
  const { logOn, logOff } = memory;
  head(
    `6c. Memory: ${int(memory.sessions)} JSON sessions held after a 200-token seed run (${int(logOn.eventsPerSession)} ` +
      `events each; opened ${memory.atOnce} at a time), per session, after a full GC`,
  );
  const kib = (value) => (na(value) ? 'n/a' : `${fixed(value, 1)} KiB`);
  const both = (state) => (state ? `RSS ${kib(state.rssKiB)}, heap ${kib(state.heapKiB)}` : 'n/a');
  const gc = (g) => (g ? `RSS ${mib(g.rss)}, heap ${mib(g.heapUsed)}` : 'n/a');
  row('full GC before them (after 20 warm-up sessions)', gc(logOn.base));
  row('live, log on', both(logOn.live), 'RSS < 100 KiB', '~1.6 MiB', RESUME_TARGETS.live);
  row(
    'detached (every connection dropped), log on',
    both(logOn.detached),
    'heap < 100 KiB',
    '',
    RESUME_TARGETS.detached,
  );
  row('ended (client read the end and closed: log dropped)', both(logOn.ended));
  row('live, --resume-window 0 (no log)', both(logOff.live));
  row('after they end, --resume-window 0', both(logOff.ended));
  const added = logOn.live && logOff.live ? logOn.live.heapKiB - logOff.live.heapKiB : null;
  row('the log per live session (heap, log on − log off)', kib(added));
  row(
    'live, RSS as sampled (no GC), log on / log off',
    `${kib(logOn.rssAsSampledKiB)} / ${kib(logOff.rssAsSampledKiB)}`,
  );
}

function storeRows(store, row, head) {
  const { relay, resume, takeover, seed } = store;
  head(
    `7. Store on Redis (--store): one ${int(relay.tokens)}-token JSON reply, Redis store ÷ memory store, tokens/s ` +
      `(median of ${relay.runs}, in turns)`,
  );
  row('agentws, --store redis://…', tps(relay.redis));
  row('agentws, memory store (the default)', tps(relay.memory));
  row('Redis ÷ memory (medians)', fixed(relay.ratio), '>= 0.50', '', STORE_TARGETS.relay);
  row(
    'Redis ÷ memory, each round (median)',
    `${relay.pairRatios.map((r) => fixed(r)).join(' ')} (${fixed(relay.medianPairRatio)})`,
  );
  row(
    'server CPU per 1,000 tokens: Redis / memory (redis-server)',
    `${ms(relay.redis.cpuMsPer1000Tokens)} / ${ms(relay.memory.cpuMsPer1000Tokens)} ` +
      `(${ms(relay.redis.redisCpuMsPer1000Tokens)})`,
  );
  row('CPU % of other programs meanwhile', String(relay.othersCpuPercent ?? 'n/a'));

  const { fromStart, late } = resume;
  head(
    `7b. Resume through another instance: ${int(fromStart.events)} logged events ` +
      `(${fixed(fromStart.replayedBytes / 2 ** 20, 1)} MiB) run on A, replayed by B from Redis ` +
      `(p50 / p90 / max of ${fromStart.runs})`,
  );
  const spread = (s) => `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.max)}`;
  row('after 0: resume frame → resumed', spread(fromStart.toResumedMs));
  row(
    'after 0: resume frame → last replayed event',
    spread(fromStart.toLastReplayedMs),
    'p50 < 200 ms',
    '',
    STORE_TARGETS.replay,
  );
  row(
    `after the last − ${resume.lateBy} (${fixed(late.replayedBytes / 1024, 0)} KiB): → last replayed event`,
    spread(late.toLastReplayedMs),
  );
  row('CPU % of other programs meanwhile', String(resume.othersCpuPercent ?? 'n/a'));

  head(
    `7c. Takeover after kill -9: a ${takeover.tokens}-token poem paced ${takeover.pacedMs} ms/token on A, ` +
      `SIGKILL after ${takeover.killAfterTokens} tokens, the client resumes through B (default lease)`,
  );
  const each = (key) => takeover.results.map((r) => ms(r[key])).join(', ');
  row('kill → next live event (step_retried), each', each('toLiveEventMs'), 'each < 5 s', '', STORE_TARGETS.takeover);
  row('kill → first token of the retried step, each', each('toFirstTokenMs'));
  row('kill → A closed (1006), each', each('toCloseMs'));
  row('kill → resumed by B, each', each('toResumedMs'));
  row(
    'events discarded (first try) / tokens kept, each',
    takeover.results.map((r) => `${r.discarded} / ${r.tokens}`).join(', '),
  );

  head(
    `7d. Seed sessions per second: ${int(seed.sessions)} JSON seed sessions at once (200-token poem), ` +
      `median of ${seed.rounds} rounds in turns`,
  );
  const arm = (a) =>
    `${fixed(a.sessionsPerSec, 1)}/s (${a.rounds.map((r) => fixed(r, 0)).join(' ')}), ` +
    `TERMINATE p50 ${ms(a.connectToTerminateP50Ms)}`;
  row('one instance on Redis', arm(seed.one));
  row('two instances on one Redis', arm(seed.two));
  row('one instance, memory store', arm(seed.memory));
  row('two ÷ one (medians)', fixed(seed.twoToOne));
  row('one on Redis ÷ memory store (medians)', fixed(seed.oneToMemory));
  row(
    'errors: one / two (on Redis) / memory',
    `${seed.one.errors} / ${seed.two.errors} / ${seed.memory.errors}`,
    '0',
    '',
    STORE_TARGETS.seedErrors,
  );
  row(
    'agentws CPU per session: one / two / memory',
    [seed.one, seed.two, seed.memory].map((a) => ms(a.serveCpuMsPerSession)).join(' / '),
  );
  row(
    'redis-server CPU per session: one / two',
    `${ms(seed.one.redisCpuMsPerSession)} / ${ms(seed.two.redisCpuMsPerSession)}`,
  );
  row('CPU % of other programs (worst round)', String(seed.othersCpuPercent ?? 'n/a'));
}

/** The report as text: machine, one section per phase, targets met, warnings and failures. */
export function formatReport(report) {
  const { machine, results, targets } = report;
  const rows = [];
  const head = (title) => rows.push(title, ['', 'measured', 'target', 'AutoGen 0.2', '']);
  /** `ok`: a target name (looked up), a boolean, or undefined for a figure without a target. */
  const row = (label, value, target = '', autogen = '', ok = undefined) => {
    const met = typeof ok === 'string' ? targets.find((t) => t.name === ok)?.met : ok;
    rows.push([label, value, target, autogen, verdict(met)]);
  };
  const { relay, latency, concurrency, paced, cli, resume, store } = results;
  if (relay) {
    head(
      `1. Relay: one ${int(relay.tokens)}-token reply to one client, tokens/s (median of ${relay.agentws.text.runs.length})`,
    );
    relayRows(relay, row);
  }
  if (latency) {
    head(`2. Session latency: ${latency.completed} sequential warm seed sessions, 200-token reply (p50 / p90 / p99)`);
    latencyRows(latency, row);
  }
  if (concurrency) {
    head('3. Concurrency: seed sessions (200-token reply) opened at once');
    concurrencyRows(concurrency, row);
  }
  if (paced) {
    head(`3b. Paced model (${paced.tokenDelayMs} ms/token): mean gap between tokens at the client`);
    pacedRows(paced, row, head, targets);
  }
  if (cli) {
    head(`5. CLI start: cold process, median of ${cli.runs}`);
    row('node -e 0 (the floor)', ms(cli.nodeAloneMs));
    row('agentws --version', ms(cli.versionMs), '< 150 ms', '', 'agentws --version (ms)');
    row('agentws connect → first frame', ms(cli.connectToFirstFrameMs));
  }
  if (resume) resumeRows(resume, row, head);
  if (store) storeRows(store, row, head);
  const title =
    `agentws ${machine.agentws} benchmark (${report.mode} run, ${machine.date}, ${report.durationS} s)\n` +
    `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}, ` +
    `fd limit ${machine.fdLimit}, commit ${machine.commit}\n` +
    `load average at start ${machine.loadAverage}; other programs' CPU at start: ` +
    `${machine.otherProgramsCpuPercentAtStart ?? 'n/a'}% of a core`;
  const metCount = targets.filter((t) => t.met).length;
  const noisy = noisyPhases(results);
  const warning =
    noisy.length === 0
      ? ''
      : `\nWARNING: other programs used the CPU during ${noisy.join(', ')}: ` +
        'those figures understate agentws; rerun on an idle machine.';
  const failures = report.failures.map((f) => `\nPHASE FAILED: ${f.phase}: ${f.error}`).join('');
  return `${title}\n${table(rows)}\n\nTargets met: ${metCount} of ${targets.length}.${warning}${failures}\n`;
}
