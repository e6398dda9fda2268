import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { Connection, ConnectionListener } from './connection.js';

/** A websocket message as one Buffer (ws hands over fragmented messages as a list of buffers). */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * A {@link Connection} over a `ws` WebSocket and its TCP socket (corked while a tick's frames are written). The
 * listener can be replaced at any time: events that arrive while none is set are dropped, except `close`, which is
 * remembered and delivered to the next listener (a session attached to a connection that already closed learns so).
 */
export function wsConnection(ws: WebSocket, socket: Duplex | undefined): Connection {
  let listener: ConnectionListener | undefined;
  let closed: { clean: boolean } | undefined;
  ws.on('message', (data, isBinary) => listener?.message(toBuffer(data), isBinary));
  ws.on('ping', () => listener?.ping());
  ws.on('pong', () => listener?.pong());
  ws.on('error', (error) => listener?.error(error));
  ws.once('close', (code) => {
    // 1006: no close frame came back, the connection dropped.
    closed = { clean: code !== 1006 };
    listener?.close(closed.clean);
  });
  return {
    get open() {
      return ws.readyState === 1;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send(data, fin, onWritten) {
      if (fin === undefined) ws.send(data, onWritten);
      else ws.send(data, { binary: false, fin }, onWritten);
    },
    cork: () => socket?.cork(),
    uncork: () => socket?.uncork(),
    ping: () => ws.ping(),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    listen(next) {
      listener = next;
      if (closed) next?.close(closed.clean);
    },
  };
}
