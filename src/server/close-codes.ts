/** Websocket close codes agentws uses (listed in the README's Security section). */
export const CloseCode = {
  /** The run finished, was cancelled, or timed out waiting for input. */
  NORMAL: 1000,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A text frame was not valid UTF-8. */
  INVALID_DATA: 1007,
  /** The client broke a rule: too many frames per second, or it stopped reading (slow consumer). */
  POLICY_VIOLATION: 1008,
  /** A frame was larger than the maximum message size. */
  MESSAGE_TOO_BIG: 1009,
  /** `onConnect` threw, or the model failed for good. */
  INTERNAL_ERROR: 1011,
  /** The server has its maximum number of sessions. */
  TRY_AGAIN_LATER: 1013,
} as const;
