import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/** What came back for a hand-written request: the status (undefined if none) and the response head. */
export interface RawAnswer {
  status: number | undefined;
  head: string;
}

/** Headers that turn a request into a websocket upgrade. */
export function upgradeHeaders(): string[] {
  return [
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
  ];
}

/**
 * Sends a request written byte for byte (any request line, any target, even ones no HTTP client would send) and
 * resolves with the status line's code once the response head has arrived, or when the server closes without one.
 */
export function rawRequest(
  port: number,
  requestLine: string,
  headers: string[] = [],
  host = `127.0.0.1:${port}`,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const head = received.split('\r\n\r\n')[0] ?? '';
      const match = /^HTTP\/1\.1 (\d{3}) /.exec(head);
      resolve({ status: match ? Number(match[1]) : undefined, head });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes('\r\n\r\n')) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer was read is the server closing a refused connection; before it, a failure.
      if (received === '' && !settled) {
        settled = true;
        reject(error);
      } else finish();
    });
    socket.write([requestLine, `Host: ${host}`, ...headers, '', ''].join('\r\n'));
  });
}
