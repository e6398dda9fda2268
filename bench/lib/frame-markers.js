/**
 * Byte patterns the benchmark clients look for in `agentws.v1` frames: they check bytes, never parse JSON per token,
 * so they cost as little as possible.
 */
export const STREAM_EVENT = Buffer.from('"type":"stream","content"');
export const EMPTY_STREAM_EVENT = Buffer.from('"content":{"content":""}');
export const CHAT_END_EVENT = Buffer.from('"type":"chat_end"');
export const INPUT_REQUEST_EVENT = Buffer.from('"type":"input_request"');
export const ERROR_EVENT = Buffer.from('"type":"error"');
