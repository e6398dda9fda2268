import { WebSocket } from 'ws';

/**
 * A minimal client of node's inspector protocol, used on the memory phase's `agentws serve` (started with
 * `--inspect=127.0.0.1:0`) to run a full garbage collection and read `process.memoryUsage()` at chosen moments. RSS
 * alone mixes live data with garbage V8 has not collected yet; after a full GC the heap shows what sessions really keep.
 */
export async function connectInspector(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`inspector: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    /** Full GC, then `process.memoryUsage()` in MiB. */
    async collect() {
      await call('HeapProfiler.collectGarbage');
      const { result } = await call('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      });
      const usage = JSON.parse(result.value);
      const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
      return {
        rss: mib(usage.rss),
        heapUsed: mib(usage.heapUsed),
        heapTotal: mib(usage.heapTotal),
        external: mib(usage.external),
      };
    },
    close: () => ws.close(),
  };
}
