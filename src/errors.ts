/**
 * Every error agentws throws on purpose. Each has a stable `code` (listed in the README) and an optional `cause`.
 */
export const AGENTWS_ERROR_CODES = [
  'CONFIG_NOT_FOUND',
  'CONFIG_INVALID',
  'CONFIG_EMPTY',
  'LLM_REQUEST_FAILED',
  'LLM_STREAM_CUT',
  'TOOL_INVALID',
  'AGENT_INVALID',
  'MESSAGE_INVALID',
  'ABORTED',
  'INPUT_TIMEOUT',
  'SESSION_CLOSED',
  'PORT_IN_USE',
  'LISTEN_FAILED',
  'OPTION_INVALID',
  'MODULE_INVALID',
  'PROTOCOL_ERROR',
  'STORE_UNAVAILABLE',
  'SPEAKER_SELECTION_FAILED',
  'CODE_EXECUTION_INVALID',
  'CODE_EXECUTION_REFUSED',
  'CODE_EXECUTION_UNAVAILABLE',
] as const;

/** The `code` of every error agentws throws. */
export type AgentwsErrorCode = (typeof AGENTWS_ERROR_CODES)[number];

/**
 * Codes that only `error` events carry, never a thrown error: the session's rules (`INVALID_DATA`, `RATE_LIMITED`,
 * `TOO_MANY_ANSWERS`), the failover notice (`LLM_FAILOVER`), and `INTERNAL_ERROR` for an error that is not an
 * {@link AgentwsError} (a bug, or an `onConnect` that threw something of its own).
 */
export const EVENT_ONLY_ERROR_CODES = [
  'INVALID_DATA',
  'RATE_LIMITED',
  'TOO_MANY_ANSWERS',
  'LLM_FAILOVER',
  'INTERNAL_ERROR',
] as const;

/** Every `code` an `error` event can carry on the wire: one type for server, clients and docs. */
export type WireErrorCode = AgentwsErrorCode | (typeof EVENT_ONLY_ERROR_CODES)[number];

/** Every wire error code, for clients that check a code they received and for the protocol's docs. */
export const WIRE_ERROR_CODES: readonly WireErrorCode[] = [...AGENTWS_ERROR_CODES, ...EVENT_ONLY_ERROR_CODES];

/** The wire code for any error: its own when it is an {@link AgentwsError}, else `INTERNAL_ERROR`. */
export function wireErrorCode(error: unknown): WireErrorCode {
  return error instanceof AgentwsError ? error.code : 'INTERNAL_ERROR';
}

export class AgentwsError extends Error {
  readonly code: AgentwsErrorCode;

  constructor(code: AgentwsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A config list could not be found, read, parsed or filtered. */
export class ConfigError extends AgentwsError {}

/**
 * A config entry's `api_type` names an API agentws does not speak (AutoGen's `anthropic`, `google`, `mistral`, ...).
 * The message names the entry (index and model, never the key) and says how to reach the provider's
 * OpenAI-compatible endpoint instead. Code `CONFIG_INVALID`.
 */
export class UnsupportedApiTypeError extends ConfigError {
  /** The `api_type` as the entry gave it. */
  readonly apiType: string;
  /** The entry's position in its config list. */
  readonly entryIndex: number;

  constructor(apiType: string, entryIndex: number, message: string) {
    super('CONFIG_INVALID', message);
    this.apiType = apiType;
    this.entryIndex = entryIndex;
  }
}

/** Every entry of the config list failed; `cause` is the last entry's error. */
export class LlmError extends AgentwsError {}

/** A tool or agent was defined wrongly. */
export class DefinitionError extends AgentwsError {}

/** The session's run was aborted (cancel, disconnect, shutdown). */
export class AbortedError extends AgentwsError {
  constructor(message = 'The run was aborted.', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** The client did not answer an input request in time. */
export class InputTimeoutError extends AgentwsError {
  constructor(message = 'No input was received in time.', options?: { cause?: unknown }) {
    super('INPUT_TIMEOUT', message, options);
  }
}

/** The session's socket closed while the run still needed it. */
export class SessionClosedError extends AgentwsError {
  constructor(message = 'The client disconnected.', options?: { cause?: unknown }) {
    super('SESSION_CLOSED', message, options);
  }
}

/** The session store (Redis) cannot be reached, or went away for longer than its buffer allows. */
export class StoreError extends AgentwsError {}
/** A group chat could not choose its next speaker (no agent can run the called tool, a selection function's bad answer). */
export class SpeakerSelectionError extends AgentwsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SPEAKER_SELECTION_FAILED', message, options);
  }
}

/** A server could not start or was given bad options. */
export class ServerError extends AgentwsError {}

/** Why a client frame was refused; becomes a non-fatal `error` event with code `PROTOCOL_ERROR`. */
export class ClientFrameError extends AgentwsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROTOCOL_ERROR', message, options);
  }
}

/**
 * Code execution could not run: `CODE_EXECUTION_REFUSED` (the IOStream does not allow it, as on a server started
 * without --allow-code-execution, or a shell command was judged dangerous) or `CODE_EXECUTION_UNAVAILABLE` (its
 * runtime is missing: no Docker daemon, an image that cannot be pulled). Bad `codeExecutionConfig` or executor options
 * are a {@link DefinitionError} with code `CODE_EXECUTION_INVALID`.
 */
export class CodeExecutionError extends AgentwsError {}

/** True for errors that mean "the run was stopped from outside" rather than "something broke". */
export function isAbortError(error: unknown): boolean {
  if (error instanceof AbortedError || error instanceof SessionClosedError) return true;
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}
