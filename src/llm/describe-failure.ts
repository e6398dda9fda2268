import { LlmError } from '../errors.js';
import type { Failure } from './chat-model.js';
import type { Sdk } from './openai-sdk.js';

/**
 * The most characters of one entry's failure reason that reach an `error` event or a log line: a server's error text
 * is kept whole up to this (real ones are a few hundred characters), a 5 MB error body is not.
 */
export const MAX_FAILURE_DETAIL = 1000;

/** What a failure's words may say about the endpoint: never its key. */
export interface FailureContext {
  /** The endpoint, already stripped of credentials (`safeUrl`). */
  baseUrl: string;
  /** The entry has an `api_key`. */
  hasKey: boolean;
  timeoutMs: number;
  /** Azure OpenAI: the deployment called (a 404 names it). */
  deployment?: string;
}

/**
 * What went wrong with one request of the `openai` SDK, in words, with a hint of what to check when there is one.
 * Errors that are not the SDK's are described by {@link describeError}.
 */
export function describeSdkFailure(openai: Sdk, error: unknown, context: FailureContext): Failure {
  const { APIConnectionError, APIConnectionTimeoutError, APIError } = openai;
  const { baseUrl, timeoutMs } = context;
  if (error instanceof APIConnectionTimeoutError) {
    return {
      why: `timed out: no response within ${timeoutMs} ms`,
      hint: `the server at ${baseUrl} is slow or stuck; raise timeoutMs?`,
    };
  }
  if (error instanceof APIConnectionError) {
    const code = causeCode(error);
    if (code === 'ECONNREFUSED') {
      return { why: 'connection refused', hint: `is the server at ${baseUrl} running?` };
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return { why: `host not found (${code})`, hint: `check the base_url ${baseUrl}` };
    }
    return { why: `connection error: ${deepestMessage(error)}`, hint: `is the server at ${baseUrl} reachable?` };
  }
  if (error instanceof APIError) {
    const status = error.status;
    if (status === undefined) return { why: `error in the stream: ${error.message}` };
    const detail = error.message.startsWith(`${status} `) ? error.message.slice(`${status} `.length) : error.message;
    const why = `HTTP ${status}: ${detail}`;
    if (status === 401 || status === 403) {
      return { why, hint: context.hasKey ? 'check the api_key of this entry' : 'this entry has no api_key: add one' };
    }
    if (status === 404) {
      const what = context.deployment === undefined ? 'model name' : `deployment "${context.deployment}"`;
      return { why, hint: `check the ${what} and the base_url ${baseUrl}` };
    }
    if (status === 429) return { why, hint: 'rate limited or out of quota: wait, or add another entry' };
    return { why };
  }
  return describeError(error);
}

/** Any error in words: agentws's own as they are, a socket closed mid-body as such, else the chain of messages. */
export function describeError(error: unknown): Failure {
  if (error instanceof LlmError) return { why: error.message };
  // undici rejects the body read with "terminated" when the server closes the socket mid-stream.
  if (error instanceof Error && error.message === 'terminated') {
    const detail = error.cause instanceof Error ? `: ${deepestMessage(error.cause)}` : '';
    return { why: `the connection closed mid-stream${detail}` };
  }
  return { why: error instanceof Error ? deepestMessage(error) : String(error) };
}

/**
 * `text` cut to `max` characters, saying how much was left out. Callers redact keys first: a key cut in two would
 * no longer be recognised.
 */
export function clipDetail(text: string, max = MAX_FAILURE_DETAIL): string {
  if (text.length <= max) return text;
  const cut = text.charCodeAt(max - 1) >= 0xd800 && text.charCodeAt(max - 1) < 0xdc00 ? max - 1 : max; // whole pairs
  return `${text.slice(0, cut)}… (${text.length - cut} more characters)`;
}

/** A connection the pool reused but the server had closed: reset before any response byte. */
export function isStaleConnection(openai: Sdk, error: unknown): boolean {
  if (!(error instanceof openai.APIConnectionError) || error instanceof openai.APIConnectionTimeoutError) return false;
  const code = causeCode(error);
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    /other side closed/i.test(deepestMessage(error))
  );
}

function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 6; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== '') return code;
    if (current instanceof AggregateError) {
      const inner = current.errors.map(causeCode).find((c) => c !== undefined);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function deepestMessage(error: Error): string {
  const messages: string[] = [];
  for (
    let current: unknown = error, depth = 0;
    current instanceof Error && depth < 6;
    current = current.cause, depth++
  ) {
    if (current.message && !messages.includes(current.message)) messages.push(current.message);
  }
  return messages.join(': ');
}
