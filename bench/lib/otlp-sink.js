import { createServer } from 'node:http';

/**
 * A stand-in OpenTelemetry collector for the relay phase's traced server: it takes OTLP/HTTP exports (any encoding),
 * answers each with success (an empty response, which is a valid `ExportTraceServiceResponse`) and counts them, so
 * the traced server pays for real exports on the same machine.
 */
export async function startOtlpSink() {
  const counts = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk) => (counts.bytes += chunk.length));
    req.on('end', () => {
      counts.requests += 1;
      res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
