import { describe, expect, it } from 'vitest';
import { ToolCallAssembler } from '../../src/llm/tool-call-assembler.js';

describe('ToolCallAssembler', () => {
  it('returns undefined when no tool call arrived', () => {
    expect(new ToolCallAssembler().result()).toBeUndefined();
  });

  it('assembles two tools from deltas by index, arguments and names split across chunks', () => {
    const tools = new ToolCallAssembler();
    tools.add([{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather_', arguments: '' } }]);
    tools.add([{ index: 0, function: { name: 'forecast' } }]);
    tools.add([{ index: 0, function: { arguments: '{"ci' } }]);
    tools.add([{ index: 1, id: 'call_b', type: 'function', function: { name: 'currency', arguments: '{"to"' } }]);
    tools.add([
      { index: 0, function: { arguments: 'ty":"Paris"}' } },
      { index: 1, id: null, function: { name: null, arguments: ':"EUR"}' } },
    ]);
    expect(tools.result()).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'currency', arguments: '{"to":"EUR"}' } },
    ]);
  });

  it('without index: a delta with a new id or a second name starts a call, one without continues the last', () => {
    const tools = new ToolCallAssembler();
    tools.add([
      { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":' } },
      { function: { arguments: '1}' } },
      { function: { name: 'g', arguments: '{}' } },
    ]);
    tools.add([{ id: 'call_c', function: { name: 'h', arguments: '{"y":2}' } }]);
    expect(tools.result()).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
      { id: '', type: 'function', function: { name: 'g', arguments: '{}' } },
      { id: 'call_c', type: 'function', function: { name: 'h', arguments: '{"y":2}' } },
    ]);
  });

  it('an index reused for a call with another id is another call; its later pieces follow it', () => {
    const tools = new ToolCallAssembler();
    tools.add([{ index: 0, id: 'call_a', function: { name: 'f', arguments: '{}' } }]);
    tools.add([{ index: 0, id: 'call_b', function: { name: 'g', arguments: '{"z"' } }]);
    tools.add([{ index: 0, function: { arguments: ':3}' } }]);
    expect(tools.result()).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{}' } },
      { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"z":3}' } },
    ]);
  });
});
