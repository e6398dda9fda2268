import type { FollowNote, RunCommand } from './session-store.js';

/*
 * What instances sharing a store tell each other through it (Redis pub/sub messages and metadata fields), read back
 * defensively: anything that is not what an agentws instance writes is ignored.
 */

function parseJson(message: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(message);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A client's command for a run, from the commands channel, or undefined for anything else (only agentws instances publish there). */
export function parseCommand(message: string): RunCommand | undefined {
  const value = parseJson(message);
  switch (value?.type) {
    case 'input_response':
      return typeof value.id === 'string' && typeof value.value === 'string'
        ? { type: 'input_response', id: value.id, value: value.value }
        : undefined;
    case 'text':
      return typeof value.value === 'string' ? { type: 'text', value: value.value } : undefined;
    case 'cancel':
      return { type: 'cancel' };
    case 'attach':
    case 'detach':
      return typeof value.view === 'string' ? { type: value.type, view: value.view } : undefined;
    default:
      return undefined;
  }
}

export function parseNote(message: string): FollowNote | undefined {
  const value = parseJson(message);
  switch (value?.type) {
    case 'stored':
      return typeof value.lastSeq === 'number' ? { type: 'stored', lastSeq: value.lastSeq } : undefined;
    case 'ended':
      return typeof value.closeCode === 'number' ? { type: 'ended', closeCode: value.closeCode } : undefined;
    case 'taken':
      return typeof value.view === 'string' ? { type: 'taken', view: value.view } : undefined;
    case 'restarted':
      return { type: 'restarted' };
    default:
      return undefined;
  }
}

export function parsePending(value: string | undefined): string[] {
  let parsed: unknown;
  try {
    parsed = value === undefined ? [] : JSON.parse(value);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
}

/** Adds a client frame to the inbox and tells the run, with the entry's id. */
export const INBOX = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', 1000, '*', 'c', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
return id`;

/** A stream entry id `<ms>-<n>` as numbers. */
export function parseEntryId(id: string): [number, number] | undefined {
  const match = /^(\d+)-(\d+)$/.exec(id);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export function compareEntryIds(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
