import { ServerError } from '../errors.js';
import { encodeEvent } from '../protocol/json-codec.js';
import { CloseCode } from './close-codes.js';
import type { Connection } from './connection.js';
import type { ResolvedOptions } from './endpoint-options.js';
import type { RemoteView } from './remote-view.js';
import { isSharedStore } from './remote-view.js';
import { Session } from './session.js';
import { sessionEvent } from './session-event.js';
import type { SessionOutcome, SessionSettings } from './session-settings.js';
import { tokenHash } from './upgrade-guard.js';

/**
 * Durable runs on a shared store, as an endpoint runs them: taking over runs whose process died or restarted, handing
 * them over when this one stops, and (front-only) handing new sessions to the instances that run them.
 */

/** What these functions need of their endpoint. */
export interface RunHost {
  readonly options: ResolvedOptions;
  readonly sessions: ReadonlyMap<string, Session>;
  closing(): boolean;
  settings(): SessionSettings;
  /** Runs a session with the endpoint's bookkeeping. */
  track(session: Session): Promise<SessionOutcome>;
  runOf(session: Session): Promise<SessionOutcome> | undefined;
  /** A connection following a session through the store (undefined when the store is not shared). */
  follow(connection: Connection, id: string): RemoteView | undefined;
}

/** With a shared store, this instance takes over durable runs whose process died or restarted. */
export function startRuns(host: RunHost): void {
  host.options.store.runs?.start({
    capacity: () => (host.closing() ? 0 : host.options.maxSessions - host.sessions.size),
    claimed: (ids) => {
      for (const id of ids) {
        takeOver(host, id).catch((error: unknown) =>
          host.options.logger.error(`session ${id}: cannot take the run over: ${String(error)}`),
        );
      }
    },
    lost: (ids) => {
      for (const id of ids) {
        host.options.logger.warn(`session ${id}: another instance took the run over (this one stalled); stopped here`);
        host.sessions.get(id)?.stop('moved');
      }
    },
  });
}

/**
 * A front-only instance: the session is started in the store for an instance that runs sessions to claim, and this
 * connection follows it from the first event (the client gets the session event, with its token, from here).
 */
export async function dispatch(host: RunHost, connection: Connection, id: string, resumeToken: string): Promise<void> {
  const { store } = host.options;
  if (!store.dispatch || !isSharedStore(store)) return;
  const event = sessionEvent(id, host.options, resumeToken);
  // The store's copy has no token (never stored).
  const stored = encodeEvent({ ...event, content: { ...event.content, resume_token: null } }, 1, JSON.stringify(id));
  await store.dispatch(id, tokenHash(resumeToken), stored);
  connection.send(encodeEvent(event, 1, JSON.stringify(id)), undefined, () => {});
  const view = host.follow(connection, id)!;
  host.options.logger.info(`session ${id}: handed to the instances that run sessions`);
  if ((await view.start(1, { announce: false })) !== 'ok') connection.close(CloseCode.TRY_AGAIN_LATER);
}

/**
 * Takes over the run of session `id` from a process that died or stopped (shared store only): runs its
 * `onConnect` again here, replaying what its journal recorded (model replies, answers, tool results) without
 * redoing it or resending the client's events, then goes on live. Resolves with the outcome once the run ended;
 * `undefined` when the store no longer has the session (it ended, or expired).
 */
export async function takeOver(host: RunHost, id: string): Promise<SessionOutcome | undefined> {
  const { store } = host.options;
  if (!store.loadRun) {
    throw new ServerError('OPTION_INVALID', 'Runs can be taken over only with a shared store (Redis): see --store.');
  }
  if (host.sessions.has(id)) return undefined;
  const state = await store.loadRun(id);
  if (!state) return undefined;
  const session = new Session(undefined, id, 'json', false, host.settings(), null, state);
  host.options.logger.info(
    state.journal.length === 0 && state.frames.length <= 1
      ? `session ${id}: started here (its client is on another instance)`
      : `session ${id}: taken over (${state.frames.length} events, ${state.journal.length} steps recorded)`,
  );
  const run = host.track(session);
  session.restarted();
  return run;
}

/**
 * A shared store: durable runs are given back at once rather than given a grace period, and another instance takes
 * them over now; their clients are closed with 1012 and resume through any instance.
 */
export async function handOver(host: RunHost): Promise<void> {
  const runs = host.options.store.runs;
  if (!runs) return;
  runs.stop();
  const moving = [...host.sessions.values()].filter((session) => session.durable);
  if (moving.length === 0) return;
  for (const session of moving) session.stop('moved');
  await Promise.allSettled(moving.map((session) => host.runOf(session)));
  try {
    await runs.release(moving.map((session) => session.id));
    host.options.logger.info(`handed ${moving.length} running session(s) over to the other instances`);
  } catch (error) {
    host.options.logger.warn(
      `cannot hand the running sessions over (${String(error)}); others take them when their leases lapse`,
    );
  }
}
