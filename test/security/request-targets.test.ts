import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/ws-client.js';
import type { RawAnswer } from '../helpers/raw-http.js';
import { rawRequest, upgradeHeaders } from '../helpers/raw-http.js';
import { killAll, ROOT, startServe } from '../cli/helpers/spawn-cli.js';
import { startExample } from '../mount/example-server.js';

/**
 * Request targets no browser or client library sends, but anyone can (`<img src="http://127.0.0.1:8765//">` is
 * enough): each once stopped the whole process with `TypeError: Invalid URL`. A target that does not parse gets
 * 400; one that parses to a path nobody serves gets 404; the server goes on serving.
 */
const ODD_TARGETS: Array<[target: string, status: number]> = [
  ['//', 404],
  ['///', 404],
  ['//evil.example/ws', 404],
  ['http://[', 400],
  ['http://[::1', 400],
  ['http://a:99999/', 400],
  ['http:', 400],
  ['*', 400],
  ['example.com:443', 400],
  ['javascript:alert(1)', 400],
];
const METHODS = ['GET', 'POST', 'OPTIONS', 'DELETE'];
const TOKEN = 'request-target-test-token';
const ECHO_AGENT = path.join(ROOT, 'examples', 'echo-agent.mjs');

afterEach(killAll);

function portOf(uri: string): number {
  return Number(new URL(uri).port);
}

/** A small deterministic generator (xorshift32): the same "random" request lines on every run. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const PIECES = [
  '/',
  '//',
  'http://',
  'ws://',
  '[',
  ']',
  ':',
  '99999',
  '@',
  '?',
  '#',
  '%',
  '%zz',
  'a',
  '..',
  '\\',
  'ws',
];
const PIECES_RARE = ['*', ' ', '%00', 'token=x', '\u00e9', ':0', 'healthz', '&', '=', '.'];

/** `count` request lines built from the pieces URL parsers trip over, with a random method and sometimes an upgrade. */
function randomRequests(count: number, seed: number): Array<{ line: string; headers: string[] }> {
  const next = generator(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, () => {
    let target = '';
    const parts = 1 + Math.floor(next() * 7);
    for (let i = 0; i < parts; i++) target += next() < 0.85 ? pick(PIECES) : pick(PIECES_RARE);
    const method = pick(['GET', 'GET', 'POST', 'HEAD', 'PUT', 'OPTIONS']);
    return { line: `${method} ${target} HTTP/1.1`, headers: next() < 0.5 ? upgradeHeaders() : [] };
  });
}

/** Sends requests eight at a time (a server busy with one must still answer the next). */
async function sendAll(port: number, requests: Array<{ line: string; headers: string[] }>): Promise<RawAnswer[]> {
  const answers: RawAnswer[] = [];
  for (let i = 0; i < requests.length; i += 8) {
    const batch = requests.slice(i, i + 8);
    answers.push(...(await Promise.all(batch.map((r) => rawRequest(port, r.line, r.headers)))));
  }
  return answers;
}

async function expectOddTargetsAnswered(port: number, headers: string[] = []): Promise<void> {
  for (const [target, status] of ODD_TARGETS) {
    for (const method of METHODS) {
      const answer = await rawRequest(port, `${method} ${target} HTTP/1.1`, headers);
      expect({ method, target, status: answer.status }).toEqual({ method, target, status });
    }
    const upgrade = await rawRequest(port, `GET ${target} HTTP/1.1`, [...headers, ...upgradeHeaders()]);
    expect({ upgrade: target, status: upgrade.status }).toEqual({ upgrade: target, status });
  }
}

describe('odd request targets against agentws serve', () => {
  for (const withToken of [false, true]) {
    it(`answers each with 400 or 404 and keeps serving${withToken ? ' (with --token)' : ''}`, async () => {
      const args = ['--on-connect', ECHO_AGENT, ...(withToken ? ['--token', TOKEN] : [])];
      const { serve, uri, url } = await startServe(args);
      const auth = withToken ? [`Authorization: Bearer ${TOKEN}`] : [];
      await expectOddTargetsAnswered(portOf(uri), auth);
      // An absolute-form target is a URL like any other: it reaches its route.
      expect((await rawRequest(portOf(uri), `GET ${url}healthz HTTP/1.1`)).status).toBe(200);

      expect(serve.child.exitCode).toBeNull();
      expect((await fetch(url + 'healthz')).status).toBe(200);
      const client = await TestClient.open(uri, withToken ? ['agentws.v1', `agentws.token.${TOKEN}`] : 'agentws.v1');
      const request = await client.waitForEvent('input_request');
      client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'still here' });
      await client.waitForEvent('print');
      client.ws.close();
      expect(serve.stderr).not.toMatch(/TypeError|Invalid URL|\n\s+at /);
    });
  }

  it('survives 160 random request lines, plain and upgrade, answering every one with an HTTP status', async () => {
    const { serve, uri, url } = await startServe(['--on-connect', ECHO_AGENT, '--token', TOKEN]);
    const answers = await sendAll(portOf(uri), randomRequests(160, 0x5eed));
    for (const answer of answers) expect(answer.status, answer.head).toBeGreaterThanOrEqual(101);
    expect(serve.child.exitCode).toBeNull();
    expect((await fetch(url + 'healthz')).status).toBe(200);
    expect(serve.stderr).not.toMatch(/TypeError|Invalid URL|\n\s+at /);
  });
});

describe('odd request targets against an app that mounts the endpoint with attach()', () => {
  for (const file of ['mount-node-http.mjs', 'mount-express.mjs']) {
    it(`${file}: upgrades are refused with 400 or 404, the app's routes answer the rest, the app goes on`, async () => {
      const running = await startExample(file);
      const port = portOf(running.http);
      for (const [target, status] of ODD_TARGETS) {
        const upgrade = await rawRequest(port, `GET ${target} HTTP/1.1`, upgradeHeaders());
        expect({ upgrade: target, status: upgrade.status }).toEqual({ upgrade: target, status });
        // Plain requests are the app's own business; it must get them, not a crashed process.
        const plain = await rawRequest(port, `GET ${target} HTTP/1.1`);
        expect(plain.status).toBeDefined();
      }
      const answers = await sendAll(port, randomRequests(80, 0xa77ac4));
      for (const answer of answers) expect(answer.status, answer.head).toBeGreaterThanOrEqual(101);
      expect(running.example.child.exitCode).toBeNull();
      expect((await fetch(running.http + '/chat/')).status).toBe(200);
      expect(running.example.output()).not.toMatch(/TypeError|Invalid URL/);
    });
  }
});
