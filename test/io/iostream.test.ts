import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IOConsole } from '../../src/io/io-console.js';
import type { IOStream as IOStreamType } from '../../src/io/iostream.js';
import { IOStream } from '../../src/io/iostream.js';
import type { AgentEvent } from '../../src/protocol/events.js';

class Capture implements IOStreamType {
  readonly events: AgentEvent[] = [];
  constructor(readonly name: string) {}
  print(...objects: unknown[]): void {
    this.send({ type: 'print', content: { objects: objects.map(String), sep: ' ', end: '\n' } });
  }
  input(): Promise<string> {
    return Promise.resolve(this.name);
  }
  send(event: AgentEvent): void {
    this.events.push(event);
  }
}

function collect(): { output: PassThrough; text: () => string } {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  return { output, text: () => Buffer.concat(chunks).toString() };
}

describe('IOStream defaults (ported upstream tests)', () => {
  it('defaults to the console', () => {
    expect(IOStream.getDefault()).toBeInstanceOf(IOConsole);
  });

  it('withDefault nests and restores, across awaits', async () => {
    const outer = new Capture('outer');
    const inner = new Capture('inner');
    await IOStream.withDefault(outer, async () => {
      expect(IOStream.getDefault()).toBe(outer);
      await IOStream.withDefault(inner, async () => {
        await new Promise((r) => setTimeout(r, 1));
        expect(IOStream.getDefault()).toBe(inner);
      });
      await new Promise((r) => setTimeout(r, 1));
      expect(IOStream.getDefault()).toBe(outer);
    });
    expect(IOStream.getDefault()).toBeInstanceOf(IOConsole);
  });

  it('concurrent contexts never see each other', async () => {
    const streams = Array.from({ length: 20 }, (_, i) => new Capture(`s${i}`));
    await Promise.all(
      streams.map((s, i) =>
        IOStream.withDefault(s, async () => {
          for (let k = 0; k < 5; k++) {
            await new Promise((r) => setTimeout(r, (i * 7 + k) % 5));
            IOStream.getDefault().print(s.name, k);
          }
        }),
      ),
    );
    for (const s of streams) {
      expect(s.events.map((e) => (e.type === 'print' ? e.content.objects[0] : ''))).toEqual(Array(5).fill(s.name));
    }
  });

  it('setGlobalDefault replaces the fallback', () => {
    const before = IOStream.getGlobalDefault();
    const mine = new Capture('global');
    IOStream.setGlobalDefault(mine);
    try {
      expect(IOStream.getDefault()).toBe(mine);
    } finally {
      IOStream.setGlobalDefault(before);
    }
  });
});

describe('IOConsole', () => {
  it('print passes sep and end', () => {
    const { output, text } = collect();
    const io = new IOConsole({ output, color: false });
    io.print('a', 'b', { sep: '-', end: '!' });
    io.print(1, { x: 2 });
    expect(text()).toBe('a-b!1 { x: 2 }\n');
  });

  it('renders events as AutoGen text, with colours when asked', () => {
    const { output, text } = collect();
    const io = new IOConsole({ output, color: true });
    io.send({ type: 'text', content: { content: 'hi', sender: 'a', recipient: 'b' } });
    expect(text()).toBe('\x1b[33ma\x1b[0m (to b):\n\nhi\n\n' + '-'.repeat(80) + '\n');
  });

  it('input reads a line; password input shows "Password: " and hides the answer', async () => {
    const input = new PassThrough();
    const { output, text } = collect();
    const io = new IOConsole({ input, output, color: false });
    const answer = io.input('Name? ');
    input.write('Ada\n');
    expect(await answer).toBe('Ada');
    const secret = io.input('', { password: true });
    input.write('s3cret\n');
    expect(await secret).toBe('s3cret');
    expect(text()).toContain('Name? ');
    expect(text()).toContain('Password: ');
    expect(text()).not.toContain('s3cret');
  });
});
