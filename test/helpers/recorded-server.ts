import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import type { SessionOutcome } from '../../src/server/session.js';
import type { CapturedLogger } from './capture-logger.js';
import { captureLogger } from './capture-logger.js';

/** A server on port 0 whose log lines and session outcomes a test reads. */
export interface RecordedServer {
  server: AgentwsServer;
  logs: CapturedLogger;
  /** Each session's outcome, in the order they ended. */
  outcomes: SessionOutcome[];
}

/** Starts a server with keepalive off (tests drive it with `endpoint.keepalive()`), recording logs and outcomes. */
export async function startRecordedServer(
  options: Partial<ServerOptions> & Pick<ServerOptions, 'onConnect'>,
): Promise<RecordedServer> {
  const logs = captureLogger();
  const outcomes: SessionOutcome[] = [];
  const server = await runServer({ port: 0, logger: logs, pingIntervalMs: 0, ...options });
  server.endpoint.on('session-end', ({ outcome }) => outcomes.push(outcome));
  return { server, logs, outcomes };
}
