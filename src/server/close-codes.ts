/**
 * Websocket close codes agentws uses (listed in docs/security.md). A client that sees 1006 (no close frame) was
 * dropped without a closing handshake: a dead peer (no pong), a slow consumer, or a broken connection.
 */
export const CloseCode = {
  /** The run finished, was cancelled, or timed out waiting for input. */
  NORMAL: 1000,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** The client broke the websocket protocol (e.g. an unmasked or malformed frame). */
  PROTOCOL_ERROR: 1002,
  /** A frame was not valid UTF-8. */
  INVALID_DATA: 1007,
  /** The client broke a rule: too many frames per second, or too many answers nobody asked for. */
  POLICY_VIOLATION: 1008,
  /** A frame was larger than the maximum message size. */
  MESSAGE_TOO_BIG: 1009,
  /** `onConnect` threw, the model failed for good, or the session store (Redis) lost the session's events. */
  INTERNAL_ERROR: 1011,
  /**
   * The instance is restarting (a rolling deploy) and the session's run goes on elsewhere: reconnect and resume, any
   * instance will do (shared store).
   */
  SERVICE_RESTART: 1012,
  /** A resume could not read the session store (Redis away): try again soon. */
  TRY_AGAIN_LATER: 1013,
  /** agentws: the session was resumed by another connection, which holds it now. */
  TAKEN_OVER: 4001,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];
