/**
 * The seam between a session and the websocket library: what a session needs of one client connection, and the
 * events it gets from it. Only the endpoint builds connections (from `ws`, see `ws-connection.ts`); sessions, their
 * send queues and their tests know this interface alone, so a session can be detached from one connection and
 * attached to another.
 */

/** What a connection tells the session attached to it. */
export interface ConnectionListener {
  /** A complete message from the client (`isBinary` for binary frames, read as UTF-8 text all the same). */
  message(data: Buffer, isBinary: boolean): void;
  /** The client sent a websocket ping (answered by the library; counted against the frame rate). */
  ping(): void;
  /** The client answered a keepalive ping. */
  pong(): void;
  /**
   * The connection is closed. Called once. `clean` when the closing handshake completed (the client read everything
   * before the close frame), false when the connection dropped.
   */
  close(clean: boolean): void;
  /** Why the library closed the connection (an oversized or malformed frame), when it knows; before `close`. */
  error(error: Error): void;
}

/** One client connection as a session sees it. */
export interface Connection {
  /** True until the connection starts closing: frames sent after that are dropped. */
  readonly open: boolean;
  /** Bytes handed to `send` but not yet to the operating system. */
  readonly bufferedAmount: number;
  /**
   * Sends one text message, or one fragment of it (`fin: false` for all but the last). `onWritten` runs once the
   * bytes reached the operating system (or failed to).
   */
  send(data: string | Buffer, fin: boolean | undefined, onWritten: (error?: Error | null) => void): void;
  /** Holds writes until {@link uncork}, so a burst of frames becomes one write (one syscall). */
  cork(): void;
  uncork(): void;
  /** Sends a keepalive ping; the answer arrives as the listener's `pong`. */
  ping(): void;
  /** Starts the closing handshake after what was sent. */
  close(code: number, reason?: string): void;
  /** Destroys the connection at once (a slow consumer, an unresponsive peer). */
  terminate(): void;
  /** Routes this connection's events to `listener`, replacing the previous one (or none, with `undefined`). */
  listen(listener: ConnectionListener | undefined): void;
}
