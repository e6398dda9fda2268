import type { ResumeFailure, ResumeFrame } from '../protocol/events.js';
import { encodeEvent } from '../protocol/json-codec.js';
import { CloseCode } from './close-codes.js';
import type { Connection } from './connection.js';
import type { ResolvedOptions } from './endpoint-options.js';
import type { RemoteView } from './remote-view.js';
import { SendQueue } from './send-queue.js';
import type { Session } from './session.js';
import { tokenMatchesHash } from './upgrade-guard.js';

/** What a resume needs of the endpoint it reached. */
export interface ResumeContext {
  options: ResolvedOptions;
  /** The session, when it runs here. */
  local(id: string): Session | undefined;
  /** A connection following the session through a shared store, or undefined when the store is not shared. */
  follow(id: string): RemoteView | undefined;
}

/** A client's session id as log lines quote it: short, and never a whole attacker-chosen string. */
export function echoId(id: string): string {
  return JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}...` : id);
}

/**
 * A connection's first frame asks to resume a session: checks the token, then attaches the connection to the session
 * running here, follows it through the store when it runs elsewhere, or replays an ended one's log to its end and
 * closes as the run did. Refusals are `resume_failed` frames, then a close. Rejects when the store does not answer.
 */
export async function resumeSession(frame: ResumeFrame, connection: Connection, context: ResumeContext): Promise<void> {
  const { store } = context.options;
  const fail = (reason: ResumeFailure, message: string): void => {
    context.options.logger.info(`resume of session ${echoId(frame.session)} refused: ${reason}`);
    context.options.observer.resumeRefused(reason);
    const event = encodeEvent(
      { type: 'resume_failed', content: { reason, message } },
      0,
      JSON.stringify(frame.session),
    );
    connection.send(event, undefined, () => {});
    connection.close(reason === 'bad_token' ? CloseCode.POLICY_VIOLATION : CloseCode.NORMAL, reason);
  };
  const failRead = (status: 'evicted' | 'expired' | 'unknown'): void => {
    if (status === 'evicted') {
      fail(
        'evicted',
        `The events after ${frame.after} no longer fit the session's log (maxLogBytes; with Redis, maxLogEvents).`,
      );
    } else if (status === 'expired') {
      fail('expired', 'The session ended or was abandoned more than the resume window ago.');
    } else fail('unknown_session', 'No session has that id on this server.');
  };
  if (context.options.resumeWindowMs === 0) {
    fail('unknown_session', 'This server does not keep sessions for resume (its resume window is 0).');
    return;
  }
  const record = await store.get(frame.session);
  if (!record) {
    const read = await store.read(frame.session, 0);
    failRead(read.status === 'expired' ? 'expired' : 'unknown');
    return;
  }
  if (!tokenMatchesHash(frame.token, record.tokenHash)) {
    fail('bad_token', 'Wrong resume token for this session.');
    return;
  }
  const live = context.local(frame.session);
  if (live?.resumable) {
    const attached = await live.resume(connection, frame.after);
    if (attached.status === 'ok') return;
    if (attached.status !== 'ended') {
      failRead(attached.status);
      return;
    }
  }
  // Run by another instance (or ended there): follow it through the store.
  const view = live ? undefined : context.follow(frame.session);
  if (view) {
    const status = await view.start(frame.after).catch((error: unknown) => {
      view.forget();
      throw error;
    });
    if (status !== 'ok') {
      view.forget();
      failRead(status === 'evicted' ? 'evicted' : status === 'unknown' ? 'unknown' : 'expired');
    }
    return;
  }
  // The run ended (its terminal event is in the log): replay to it, then close as the run did.
  const read = await store.read(frame.session, frame.after);
  if (read.status !== 'ok') {
    failRead(read.status);
    return;
  }
  const out = new SendQueue({
    connection,
    maxBufferedBytes: context.options.maxBufferedBytes,
    slowConsumerMs: context.options.slowConsumerMs,
    onSlowConsumer: () => connection.terminate(),
  });
  connection.listen({
    message: () => {},
    ping: () => {},
    pong: () => {},
    close: () => out.dispose(),
    error: () => {},
  });
  const resumed = {
    type: 'resumed' as const,
    content: { after: frame.after, last_seq: read.lastSeq, pending_inputs: [] },
  };
  out.send(encodeEvent(resumed, 0, JSON.stringify(frame.session)));
  for (const logged of read.frames) out.send(logged);
  context.options.observer.resumed(frame.session);
  void out.flushed().then(() => {
    out.flushNow();
    // As the run closed its own client: 1011 after a fatal error, 1000 after a normal end.
    if (connection.open) connection.close(live?.closeCode ?? record.closeCode ?? CloseCode.NORMAL);
  });
}
