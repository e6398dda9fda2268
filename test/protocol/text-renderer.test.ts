import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/protocol/events.js';
import { renderText } from '../../src/protocol/text-renderer.js';

const SEP = '\n' + '-'.repeat(80) + '\n';

describe('renderText (AutoGen 0.2 format)', () => {
  it('renders a text message as header, content and separator', () => {
    const event: AgentEvent = { type: 'text', content: { content: 'Hi.', sender: 'user_proxy', recipient: 'chatbot' } };
    expect(renderText(event)).toEqual(['user_proxy (to chatbot):\n\n', 'Hi.\n', SEP]);
    expect(renderText(event, { color: true })[0]).toBe('\x1b[33muser_proxy\x1b[0m (to chatbot):\n\n');
  });

  it('renders tool calls with star lines as long as the title', () => {
    const event: AgentEvent = {
      type: 'tool_call',
      content: {
        content: '',
        sender: 'chatbot',
        recipient: 'user_proxy',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
    };
    const title = '***** Suggested tool call (call_1): f *****';
    expect(renderText(event)).toEqual([
      'chatbot (to user_proxy):\n\n',
      '\n',
      title + '\n',
      'Arguments: \n{"a":1}\n',
      '*'.repeat(title.length) + '\n',
      SEP,
    ]);
  });

  it('renders tool responses with the doubled header and no closing separator of its own', () => {
    const event: AgentEvent = {
      type: 'tool_response',
      content: {
        role: 'tool',
        content: 'r1\n\nr2',
        sender: 'user_proxy',
        recipient: 'chatbot',
        tool_responses: [
          { tool_call_id: 'c1', role: 'tool', content: 'r1' },
          { tool_call_id: 'c2', role: 'tool', content: 'r2' },
        ],
      },
    };
    const head = 'user_proxy (to chatbot):\n\n';
    const t1 = '***** Response from calling tool (c1) *****';
    const t2 = '***** Response from calling tool (c2) *****';
    expect(renderText(event)).toEqual([
      head,
      head,
      t1 + '\n',
      'r1\n',
      '*'.repeat(t1.length) + '\n',
      SEP,
      head,
      t2 + '\n',
      'r2\n',
      '*'.repeat(t2.length) + '\n',
      SEP,
    ]);
  });

  it('keeps the stream frames, without escapes unless colour is on', () => {
    const start: AgentEvent = { type: 'stream_start', content: { agent: 'chatbot', model: 'gpt-4' } };
    const end: AgentEvent = { type: 'stream_end', content: { agent: 'chatbot', model: 'gpt-4' } };
    expect(renderText(start)).toEqual(['']);
    expect(renderText(end)).toEqual(['\n\n']);
    expect(renderText(start, { color: true })).toEqual(['\x1b[32m']);
    expect(renderText(end, { color: true })).toEqual(['\x1b[0m\n\n']);
  });

  it('renders the >>>>>>>> lines', () => {
    expect(
      renderText({ type: 'using_auto_reply', content: { human_input_mode: 'TERMINATE', sender: 'a', recipient: 'b' } }),
    ).toEqual(['\n>>>>>>>> USING AUTO REPLY...\n']);
    expect(
      renderText(
        { type: 'execute_function', content: { func_name: 'f', call_id: 'c', arguments: {}, recipient: 'b' } },
        { color: true },
      ),
    ).toEqual(['\x1b[35m\n>>>>>>>> EXECUTING FUNCTION f...\x1b[0m\n']);
    expect(renderText({ type: 'no_human_input', content: { sender: 'a', recipient: 'b' } })).toEqual([
      '\n>>>>>>>> NO HUMAN INPUT RECEIVED.\n',
    ]);
  });

  it("renders the code execution lines as AutoGen 0.2 prints them (AG2's event tests' strings)", () => {
    const block = { code: 'print("hello world")', language: 'python', code_block_count: 0, recipient: 'b' };
    expect(renderText({ type: 'execute_code_block', content: block }, { color: true })).toEqual([
      '\x1b[31m\n>>>>>>>> EXECUTING CODE BLOCK 0 (inferred language is python)...\x1b[0m\n',
    ]);
    const reply = (languages: string[]) =>
      renderText(
        {
          type: 'generate_code_execution_reply',
          content: { code_block_languages: languages, sender: 'a', recipient: 'b' },
        },
        { color: true },
      );
    expect(reply(['python'])).toEqual([
      '\x1b[31m\n>>>>>>>> EXECUTING CODE BLOCK (inferred language is python)...\x1b[0m\n',
    ]);
    expect(reply(['python', 'python'])).toEqual([
      '\x1b[31m\n>>>>>>>> EXECUTING 2 CODE BLOCKS (inferred languages are [python, python])...\x1b[0m\n',
    ]);
  });

  it('sends the input prompt raw, and nothing for events without a text form', () => {
    expect(
      renderText({ type: 'input_request', content: { id: '1', prompt: 'May I?', password: false, timeout_ms: null } }),
    ).toEqual(['May I?']);
    expect(renderText({ type: 'pong', content: {} })).toEqual([]);
  });
});
