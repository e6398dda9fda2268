/**
 * Turns the phases' results into the targets of the issue (met or not) and a plain-text table.
 */

const int = (value) => (value === null || value === undefined ? 'n/a' : Math.round(value).toLocaleString('en-US'));
const ms = (value) => (value === null || value === undefined ? 'n/a' : `${value.toFixed(value < 10 ? 2 : 1)} ms`);
const fixed = (value, digits = 2) => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));
const triple = (s) => `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.p99)}`;

/** The targets, evaluated on the results that exist (a phase that did not run has no target row). */
export function evaluateTargets(results) {
  const targets = [];
  const add = (name, value, target, met) => targets.push({ name, value, target, met });
  const { relay, latency, concurrency, paced, cli } = results;
  if (relay) {
    add(
      'relay tokens/s, one session (text mode)',
      relay.agentws.text.tokensPerSec,
      '>= 100000',
      relay.agentws.text.tokensPerSec >= 100_000,
    );
    add('relay ÷ openai SDK alone', relay.ratios.textToSdk, '>= 0.70', relay.ratios.textToSdk >= 0.7);
  }
  if (latency) {
    add(
      'warm connect → first token p50 (ms)',
      latency.connectToFirstTokenMs.p50,
      '< 5',
      latency.connectToFirstTokenMs.p50 < 5,
    );
    add(
      'warm connect → TERMINATE p50 (ms)',
      latency.connectToTerminateMs.p50,
      '< 10',
      latency.connectToTerminateMs.p50 < 10,
    );
  }
  if (concurrency) {
    const c200 = concurrency[200];
    if (c200)
      add('200 concurrent sessions wall time (ms)', c200.wallMs, '< 1000', c200.wallMs < 1000 && c200.errors === 0);
    for (const [count, result] of Object.entries(concurrency)) {
      add(`${count} concurrent sessions, errors`, result.errors, '= 0', result.errors === 0);
    }
  }
  if (paced) {
    add('server memory per live session (KiB)', paced.memory.perSessionKiB, '< 100', paced.memory.perSessionKiB < 100);
    add('server idle RSS (MiB)', paced.memory.idleColdMiB, '< 60', paced.memory.idleColdMiB < 60);
    add(`${paced.sessions} paced sessions, errors`, paced.loaded.errors, '= 0', paced.loaded.errors === 0);
  }
  if (cli) add('agentws --version (ms)', cli.versionMs, '< 150', cli.versionMs < 150);
  return targets;
}

function table(rows) {
  const widths = [0, 0, 0, 0, 0];
  for (const row of rows) {
    if (typeof row === 'string') continue;
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i], String(cell).length)));
  }
  return rows
    .map((row) =>
      typeof row === 'string'
        ? `\n${row}`
        : row
            .map((cell, i) => String(cell).padEnd(widths[i]))
            .join('  ')
            .trimEnd(),
    )
    .join('\n');
}

const cpuLine = (cpu) =>
  cpu
    ? [cpu.serve, cpu.fakeModel, cpu.client, cpu.others]
        .map((v) => (v === null || v === undefined ? 'n/a' : v))
        .join(' / ')
    : 'n/a';

/** Phases during which other programs kept the machine busy (their figures are not this machine's best). */
export function noisyPhases(results) {
  const noisy = [];
  const check = (name, others) => {
    if (others !== null && others !== undefined && others > 15) noisy.push(`${name} (${others}% of a core)`);
  };
  check('relay', results.relay?.othersCpuPercent);
  check('latency', results.latency?.othersCpuPercent);
  for (const [count, r] of Object.entries(results.concurrency ?? {}))
    check(`concurrency ${count}`, r.cpuPercent?.others);
  check('paced', results.paced?.loaded.cpuPercent?.others);
  return noisy;
}
const met = (ok) => (ok === undefined ? '' : ok ? 'MET' : 'MISSED');

/** The human-readable report. */
export function formatReport(report) {
  const { machine, results, targets } = report;
  const targetOf = (name) => targets.find((t) => t.name === name)?.met;
  const rows = [];
  const header = ['', 'measured', 'target', 'AutoGen 0.2', ''];
  const head = (title) => rows.push(title, header);
  const { relay, latency, concurrency, paced, cli } = results;
  if (relay) {
    const t = relay.tokens.toLocaleString('en-US');
    head(`1. Relay: one ${t}-token reply to one client (tokens/s, median of ${relay.agentws.text.runs.length})`);
    const tps = (r) => `${int(r.tokensPerSec)}/s`;
    rows.push([
      'agentws, text mode',
      tps(relay.agentws.text),
      '>= 100,000/s',
      '~10,000/s',
      met(targetOf('relay tokens/s, one session (text mode)')),
    ]);
    rows.push(['agentws, JSON mode (agentws.v1)', tps(relay.agentws.json), '', '', '']);
    rows.push(['ceiling: openai SDK alone reading the fake model', tps(relay.ceilings.sdk), '', '', '']);
    rows.push(['ceiling: bare SSE client', tps(relay.ceilings.sse), '', '', '']);
    rows.push(['ceiling: bare ws server sending the same frames', tps(relay.ceilings.bareWs), '', '', '']);
    rows.push(['ceiling: minimal relay (SSE, JSON.parse, ws; no SDK)', tps(relay.ceilings.minimalRelay), '', '', '']);
    rows.push([
      'agentws ÷ openai SDK',
      fixed(relay.ratios.textToSdk),
      '>= 0.70',
      '',
      met(targetOf('relay ÷ openai SDK alone')),
    ]);
    rows.push(['agentws ÷ bare SSE', fixed(relay.ratios.textToSse), '', '', '']);
    rows.push(['agentws ÷ bare ws', fixed(relay.ratios.textToBareWs), '', '', '']);
    rows.push(['agentws ÷ minimal relay', fixed(relay.ratios.textToMinimalRelay), '', '', '']);
    rows.push(['agentws JSON mode ÷ openai SDK', fixed(relay.ratios.jsonToSdk), '', '', '']);
    rows.push(['CPU % of other programs during the agentws runs', String(relay.othersCpuPercent ?? 'n/a'), '', '', '']);
  }
  if (latency) {
    head(`2. Session latency: ${latency.completed} sequential warm seed sessions, 200-token reply (p50 / p90 / p99)`);
    rows.push([
      'connect → first token',
      triple(latency.connectToFirstTokenMs),
      'p50 < 5 ms',
      '',
      met(targetOf('warm connect → first token p50 (ms)')),
    ]);
    rows.push([
      'connect → TERMINATE',
      triple(latency.connectToTerminateMs),
      'p50 < 10 ms',
      '~84 ms',
      met(targetOf('warm connect → TERMINATE p50 (ms)')),
    ]);
    rows.push(['connect → close (run ended)', triple(latency.connectToCloseMs), '', '', '']);
    rows.push(['CPU % of other programs meanwhile', String(latency.othersCpuPercent ?? 'n/a'), '', '', '']);
    rows.push([
      'errors; server CPU per session',
      `${latency.errors}; ${ms(latency.serverCpuMsPerSession)}`,
      '0 errors',
      '',
      met(latency.errors === 0),
    ]);
  }
  if (concurrency) {
    head('3. Concurrency: seed sessions (200 tokens) opened at once');
    for (const [count, r] of Object.entries(concurrency)) {
      const c = Number(count).toLocaleString('en-US');
      const autogen = count === '200' ? '~13 s, 13-16/s' : '';
      const target = count === '200' ? '< 1 s, 0 errors' : '0 errors';
      const ok = count === '200' ? targetOf('200 concurrent sessions wall time (ms)') : r.errors === 0;
      rows.push([
        `${c}: wall time, sessions/s`,
        `${ms(r.wallMs)}, ${fixed(r.sessionsPerSec, 0)}/s`,
        target,
        autogen,
        met(ok),
      ]);
      rows.push([
        `${c}: connect → TERMINATE p50 / p99`,
        `${ms(r.connectToTerminateMs.p50)} / ${ms(r.connectToTerminateMs.p99)}`,
        '',
        '',
        '',
      ]);
      rows.push([
        `${c}: errors; server peak RSS, CPU/session`,
        `${r.errors}; ${fixed(r.serverPeakRssMiB, 1)} MiB, ${ms(r.serverCpuMsPerSession)}`,
        '',
        '',
        '',
      ]);
      rows.push([`${c}: CPU % server / model / clients / other programs`, cpuLine(r.cpuPercent), '', '', '']);
    }
  }
  if (paced) {
    const p = paced.perToken;
    const n = paced.sessions.toLocaleString('en-US');
    head(`3b. Paced tokens (${paced.tokenDelayMs} ms/token): mean gap between tokens at the client`);
    rows.push(['fake model alone, 1 stream (bare SSE)', ms(p.sourceAloneMs), '', '', '']);
    rows.push(['agentws, 1 session', `${ms(p.agentwsAloneMs)} (+${ms(p.addedAloneMs)})`, '', '', '']);
    rows.push([`fake model alone, ${n} streams at once`, ms(p.sourceLoadedMs), '', '', '']);
    rows.push([
      `agentws, ${n} sessions at once: added per token`,
      `${ms(p.agentwsLoadedMs)} (+${ms(p.addedLoadedMs)})`,
      '',
      '',
      '',
    ]);
    rows.push([
      `agentws, ${n} sessions: p99 gap (source p99)`,
      `${ms(p.p99GapLoadedMs)} (${ms(p.p99GapSourceLoadedMs)})`,
      '',
      '',
      '',
    ]);
    rows.push([
      `${n} sessions: CPU % server / model / clients / other programs`,
      cpuLine(paced.loaded.cpuPercent),
      '',
      '',
      '',
    ]);
    rows.push([
      `agentws, ${n} sessions: wall, errors`,
      `${ms(paced.loaded.wallMs)}, ${paced.loaded.errors}`,
      '0 errors',
      '',
      met(paced.loaded.errors === 0),
    ]);
    const m = paced.memory;
    head(`4. Memory: agentws serve RSS (${n} live paced sessions)`);
    rows.push([
      'idle, just started',
      `${fixed(m.idleColdMiB, 1)} MiB`,
      '< 60 MiB',
      '',
      met(targetOf('server idle RSS (MiB)')),
    ]);
    rows.push(['idle after a warm-up', `${fixed(m.idleWarmMiB, 1)} MiB`, '', '', '']);
    rows.push([`${n} live sessions (peak)`, `${fixed(m.liveMiB, 1)} MiB (${fixed(m.peakMiB, 1)} MiB)`, '', '', '']);
    rows.push([
      'per live session',
      `${fixed(m.perSessionKiB, 1)} KiB`,
      '< 100 KiB',
      '~1.6 MiB',
      met(targetOf('server memory per live session (KiB)')),
    ]);
    rows.push([
      'after they end: +1 s, +10 s',
      `${fixed(m.after1sMiB, 1)} MiB, ${fixed(m.after10sMiB, 1)} MiB`,
      '',
      '',
      '',
    ]);
  }
  if (cli) {
    head(`5. CLI start (cold process, median of ${cli.runs})`);
    rows.push(['node -e 0 (the floor)', ms(cli.nodeAloneMs), '', '', '']);
    rows.push(['agentws --version', ms(cli.versionMs), '< 150 ms', '', met(targetOf('agentws --version (ms)'))]);
    rows.push(['agentws connect → first frame', ms(cli.connectToFirstFrameMs), '', '', '']);
  }
  const title =
    `agentws ${machine.agentws} benchmark (${report.mode} run, ${machine.date})\n` +
    `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}, ` +
    `fd limit ${machine.fdLimit}, commit ${machine.commit}, load average at start ${machine.loadAverage}, ` +
    `other programs' CPU at start ${machine.otherProgramsCpuPercentAtStart ?? 'n/a'}% of a core`;
  const metCount = targets.filter((t) => t.met).length;
  const noisy = noisyPhases(results);
  const warning =
    noisy.length === 0
      ? ''
      : `\nWARNING: other programs used the CPU during ${noisy.join(', ')}: those figures understate agentws; rerun on an idle machine.`;
  const failures = report.failures.map((f) => `\nPHASE FAILED: ${f.phase}: ${f.error}`).join('');
  return `${title}\n${table(rows)}\n\nTargets met: ${metCount} of ${targets.length}.${warning}${failures}\n`;
}
