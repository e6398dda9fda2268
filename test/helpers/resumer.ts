import type { WireFrame } from '../../src/protocol/events.js';
import { TestClient } from './ws-client.js';

/** The session id and resume token from a client's `session` event. */
export function credentials(client: TestClient): { session: string; token: string } {
  const event = client.events.find((e) => e.type === 'session')!;
  const content = event.content as { id: string; resume_token: string };
  return { session: content.id, token: content.resume_token };
}

/**
 * A client that resumes `session` on a new connection. Its `replayed` events are those after `resumed` (frames
 * before it belong to the fresh session the server opened for the connection and discarded).
 */
export class Resumer {
  constructor(readonly client: TestClient) {}

  static async open(
    uri: string,
    session: string,
    token: string,
    after: number,
    { announce = true } = {},
  ): Promise<Resumer> {
    // Announced at the handshake, the server starts no fresh session for the connection.
    const client = await TestClient.open(uri, announce ? ['agentws.v1', 'agentws.resume'] : 'agentws.v1');
    client.send({ type: 'resume', session, token, after });
    return new Resumer(client);
  }

  /** Events after `resumed` (or the `resume_failed` frame itself). */
  get events(): WireFrame[] {
    const all = this.client.events;
    const start = all.findIndex((e) => e.type === 'resumed' || e.type === 'resume_failed');
    return start === -1 ? [] : all.slice(start);
  }

  async waitForEvent(type: string): Promise<WireFrame> {
    await this.client.waitFor(() => this.events.some((e) => e.type === type), `a ${type} event after the resume`);
    return this.events.find((e) => e.type === type)!;
  }
}

/** Session events (seq > 0) of several connections of one session, in the order they arrived. */
export function sessionEvents(connections: WireFrame[][]): WireFrame[] {
  return connections.flat().filter((e) => e.seq > 0);
}

export function streamed(events: WireFrame[]): string {
  return events
    .filter((e) => e.type === 'stream')
    .map((e) => (e.content as { content: string }).content)
    .join('');
}

/** The events a client keeps once each `step_retried` told it which to discard (a durable run taken over). */
export function kept(events: WireFrame[]): WireFrame[] {
  const out: WireFrame[] = [];
  for (const event of events) {
    if (event.type === 'step_retried') {
      const { discard_after: after } = event.content as { discard_after: number };
      while (out.length > 0 && out.at(-1)!.seq > after) out.pop();
      continue;
    }
    out.push(event);
  }
  return out;
}
