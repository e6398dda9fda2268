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
});
