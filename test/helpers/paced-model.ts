/**
 * A streamed model reply that a test paces by its own events, not by a clock: each token is sent only once the test
 * lets it through its gate.
 */
export class Gate {
  #released = 0;
  #waiters: Array<() => void> = [];

  /** Lets `count` more tokens through (all of them by default). */
  release(count = Infinity): void {
    this.#released += count;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once token `index` (0-based) may be sent. */
  async pass(index: number): Promise<void> {
    while (index >= this.#released) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}

/** One `chat.completion.chunk` as OpenAI streams it. */
function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const body = { id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'gpt-4', choices: [] as unknown[] };
  body.choices.push({ index: 0, delta, finish_reason: finish });
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** The SSE body of a streamed reply of `tokens` (a fake model's `rawBody`), each token sent once the gate lets it. */
export async function* pacedBody(tokens: readonly string[], gate: Gate): AsyncGenerator<string> {
  yield chunk({ role: 'assistant', content: '' });
  for (const [index, token] of tokens.entries()) {
    await gate.pass(index);
    yield chunk({ content: token });
  }
  yield chunk({}, 'stop');
  yield 'data: [DONE]\n\n';
}
