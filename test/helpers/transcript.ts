import { readFileSync } from 'node:fs';

/** Parses a Python string literal as repr() prints it ('...' or "..."). */
function parsePythonRepr(literal: string): string {
  const quote = literal[0];
  if ((quote !== "'" && quote !== '"') || literal.at(-1) !== quote) throw new Error(`not a repr: ${literal}`);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i]!;
    if (next === 'n') out += '\n';
    else if (next === 't') out += '\t';
    else if (next === 'r') out += '\r';
    else if (next === 'x') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += next;
  }
  return out;
}

/** The frames of an upstream transcript file (`  N   time   'repr'` lines), without the final `<close>` line. */
export function readTranscriptFrames(path: string): string[] {
  const frames: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*\d+\s+[\d.]+\s+(.*)$/.exec(line);
    if (!match) continue;
    const value = parsePythonRepr(match[1]!);
    if (value.startsWith('<close>')) continue;
    frames.push(value);
  }
  return frames;
}

/** Removes ANSI colour escapes. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Hides what legitimately differs between runs: the tool's timestamp. */
export function normaliseFrame(frame: string): string {
  return frame.replace(/ at .*? is sunny\./, ' at <time> is sunny.');
}
