import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServer, silentLogger } from '../../src/index.js';
import type { AgentwsServer } from '../../src/index.js';
import { seedOnConnect } from '../fixtures/seed-agents.js';
import { demoResponder, startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { TestClient } from '../helpers/ws-client.js';

let fake: FakeOpenAI;
let server: AgentwsServer;

beforeAll(async () => {
  fake = await startFakeOpenAI({ respond: demoResponder(), tokenDelayMs: 1 });
  const onConnect = seedOnConnect({
    configList: [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }],
    // Interleave the sessions: every tool call yields to the others before answering.
    tool: async ({ city }) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      return `The weather forecast for ${city} is sunny.`;
    },
  });
  server = await runServer({ onConnect, port: 0, logger: silentLogger });
});

afterAll(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
});

describe('concurrent sessions', () => {
  it('50 simultaneous sessions each get only their own conversation', async () => {
    const letter = (n: number): string => String.fromCharCode(97 + n);
    const cities = Array.from({ length: 50 }, (_, i) => `Town${letter(Math.floor(i / 26))}${letter(i % 26)}`);
    const clients = await Promise.all(cities.map(() => TestClient.open(server.uri)));
    clients.forEach((client, i) => client.send(`Check out the weather in ${cities[i]} and write a poem about it.`));
    const codes = await Promise.all(clients.map((c) => c.closed));
    expect(codes.every((code) => code === 1000)).toBe(true);
    clients.forEach((client, i) => {
      const text = client.frames.join('');
      const mine = cities[i]!;
      expect(text).toContain(`The weather forecast for ${mine} is sunny.`);
      expect(text).toContain(`a golden day in ${mine}, with warmth in every glow.\nTERMINATE`);
      const mentioned = new Set(text.match(/Town[a-z]{2}/g));
      expect([...mentioned]).toEqual([mine]);
    });
    expect(server.sessionCount).toBe(0);
  });
});
