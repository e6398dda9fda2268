import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversableAgent } from '../../src/agents/index.js';
import { formatTemplate } from '../../src/agents/message-context.js';
import { DefinitionError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import type { LlmConfig } from '../../src/llm/llm-client.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { CapturingIOStream } from './capturing-iostream.js';

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

function llmConfig(extra: Partial<LlmConfig> = {}): LlmConfig {
  return { configList: [{ model: 'gpt-4', api_key: 'sk-test', base_url: fake.baseURL }], ...extra };
}

describe('formatTemplate', () => {
  it("fills {name} fields as Python's str.format does, {{ and }} being braces", () => {
    expect(formatTemplate('hello {name}, {{literal}} {n}', { name: 'there', n: 3 })).toBe('hello there, {literal} 3');
  });

  it('names the missing field and the keys the context has', () => {
    const format = () => formatTemplate('hello {name}', { who: 'x' });
    expect(format).toThrow(DefinitionError);
    expect(format).toThrow("its context has no 'name' (context keys: who)");
  });
});

describe('a message context', () => {
  it('fills the templates of a model request from the last message when the agent allows it, and never sends it', async () => {
    fake.enqueue({ content: 'Hi!' }, { content: 'Hi again!' });
    const user = new ConversableAgent({ name: 'user', humanInputMode: 'NEVER', maxConsecutiveAutoReply: 0 });
    const formatting = new ConversableAgent({
      name: 'assistant',
      humanInputMode: 'NEVER',
      llmConfig: llmConfig({ allowFormatStrTemplate: true }),
    });
    const literal = new ConversableAgent({ name: 'literal', humanInputMode: 'NEVER', llmConfig: llmConfig() });
    const io = new CapturingIOStream();
    const message = { content: 'Greet {who} in {lang}.', context: { who: 'Ada', lang: 'French' } };
    let result;
    await IOStream.withDefault(io, async () => {
      result = await user.initiateChat(formatting, { message });
      await user.initiateChat(literal, { message });
    });
    const [formatted, raw] = fake.requests;
    expect(formatted!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Greet Ada in French.', name: 'user' });
    expect(raw!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Greet {who} in {lang}.', name: 'user' });
    for (const request of fake.requests) expect(request.body).not.toHaveProperty('allowFormatStrTemplate');
    // The history keeps the context (AutoGen's); the chat_end event leaves it out.
    expect((result as unknown as { chatHistory: unknown[] }).chatHistory[0]).toMatchObject({
      context: message.context,
    });
    expect(io.of('chat_end')[0]!.content.history[0]).toEqual({
      role: 'assistant',
      content: 'Greet {who} in {lang}.',
      name: 'user',
    });
    expect(io.of('text').map((e) => e.content.content)).toEqual([
      'Greet Ada in French.',
      'Hi!',
      'Greet {who} in {lang}.',
      'Hi again!',
    ]);
  });
});

describe('llmConfig.tools', () => {
  it("are advertised like updateToolSignature's, can be removed, and are not sent twice", async () => {
    fake.enqueue({ content: 'ok' });
    const schema = {
      type: 'function' as const,
      function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: {} } },
    };
    const assistant = new ConversableAgent({
      name: 'assistant',
      humanInputMode: 'NEVER',
      llmConfig: llmConfig({ tools: [schema] }),
    });
    expect(assistant.toolSchemas).toEqual([schema]);
    const user = new ConversableAgent({ name: 'user', humanInputMode: 'NEVER', maxConsecutiveAutoReply: 0 });
    await IOStream.withDefault(new CapturingIOStream(), () => user.initiateChat(assistant, { message: 'hi' }));
    expect(fake.requests[0]!.body.tools).toEqual([schema]);
    assistant.updateToolSignature('lookup', true);
    expect(assistant.toolSchemas).toEqual([]);
  });

  it.each([
    [{ tools: [{ name: 'x' }] }, 'has invalid "tools"'],
    [{ tools: 'x' }, 'has invalid "tools"'],
    [{ allowFormatStrTemplate: 'yes' }, 'has a non-boolean "allowFormatStrTemplate"'],
  ])('rejects bad agent keys (%#)', (extra, message) => {
    expect(() => new ConversableAgent({ name: 'a', llmConfig: llmConfig(extra as never) })).toThrow(
      `ConversableAgent option 'llmConfig' ${message}`,
    );
  });
});
