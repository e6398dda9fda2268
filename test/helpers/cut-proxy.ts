import type { Server, Socket } from 'node:net';
import { createServer, connect } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1:0 in front of a server, which cuts every connection through it on demand: the network
 * blip, laptop lid or proxy timeout that resume exists for. Real sockets both ways; a cut destroys both sides at
 * once, so each peer sees its connection reset, not a websocket close.
 */
export class CutProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #refusing = false;
  #swallowing = false;
  #clientDataWaiters: Array<() => void> = [];
  /** Connections made through the proxy so far. */
  connections = 0;
  /** Bytes sent from the server to clients, across all connections. */
  bytesDown = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a proxy to `target` (`host:port`, or a `ws://` / `http://` URL). */
  static async start(target: string): Promise<CutProxy> {
    const url = new URL(target.includes('://') ? target : `tcp://${target}`);
    const port = Number(url.port);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const server = createServer();
    const proxy = new CutProxy(server);
    server.on('connection', (client: Socket) => proxy.#accept(client, host, port));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** `ws://127.0.0.1:<proxy port>` */
  get uri(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Destroys every connection through the proxy now. */
  cut(): void {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /**
   * While true, what clients send is dropped instead of forwarded (their last frames before a cut "lost in flight");
   * the server's data still reaches them.
   */
  swallowClientData(swallowing: boolean): void {
    this.#swallowing = swallowing;
  }

  /** Resolves when a client next sends something (forwarded or swallowed). */
  nextClientData(): Promise<void> {
    return new Promise((resolve) => this.#clientDataWaiters.push(resolve));
  }

  /** While true, new connections are accepted and destroyed at once (the server "unreachable"). */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, host: string, port: number): void {
    if (this.#refusing) {
      client.destroy();
      return;
    }
    this.connections += 1;
    const upstream = connect(port, host);
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const end = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    upstream.on('data', (chunk: Buffer) => {
      this.bytesDown += chunk.length;
    });
    client.on('data', (chunk: Buffer) => {
      if (!this.#swallowing) upstream.write(chunk);
      for (const wake of this.#clientDataWaiters.splice(0)) wake();
    });
    upstream.pipe(client);
  }
}
