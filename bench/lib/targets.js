/**
 * The targets for this 2-core machine, evaluated on the results that exist (a phase that did not run has no
 * target row). Each target: `{ name, value, target, met }`.
 */
export function evaluateTargets(results) {
  const targets = [];
  const add = (name, value, target, met) => targets.push({ name, value, target, met });
  const { relay, latency, concurrency, paced, cli } = results;
  if (relay) {
    const rate = relay.agentws.text.tokensPerSec;
    add('relay tokens/s, one session (text mode)', rate, '>= 100000', rate >= 100_000);
    add('relay ÷ openai SDK alone', relay.ratios.textToSdk, '>= 0.70', relay.ratios.textToSdk >= 0.7);
  }
  if (latency) {
    const first = latency.connectToFirstTokenMs.p50;
    const terminate = latency.connectToTerminateMs.p50;
    add('warm connect → first token p50 (ms)', first, '< 5', first < 5);
    add('warm connect → TERMINATE p50 (ms)', terminate, '< 10', terminate < 10);
  }
  if (concurrency) {
    const c200 = concurrency[200];
    if (c200) add('200 concurrent sessions wall time (ms)', c200.wallMs, '< 1000', c200.wallMs < 1000);
    for (const [count, result] of Object.entries(concurrency)) {
      add(`${count} concurrent sessions, errors`, result.errors, '= 0', result.errors === 0);
    }
  }
  if (paced) {
    const { memory } = paced;
    add('server memory per live session (KiB)', memory.perSessionKiB, '< 100', memory.perSessionKiB < 100);
    add('server idle RSS (MiB)', memory.idleColdMiB, '< 60', memory.idleColdMiB < 60);
    add(`${paced.sessions} paced sessions, errors`, paced.loaded.errors, '= 0', paced.loaded.errors === 0);
    if (memory.secondRound) {
      const grew = Math.round((memory.secondRound.after10sMiB - memory.after10sMiB) * 10) / 10;
      const limit = Math.round((memory.liveMiB - memory.idleWarmMiB) * 10) / 100;
      add('server RSS growth over a second round (MiB)', grew, `< ${limit} (10% of the live growth)`, grew < limit);
    }
  }
  if (cli) add('agentws --version (ms)', cli.versionMs, '< 150', cli.versionMs < 150);
  return targets;
}

/** Phases during which other programs kept the machine busy (their figures understate agentws). */
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
