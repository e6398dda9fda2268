import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { bytes, collect, integer, keyValue, seconds } from '../../src/cli/parse-options.js';

describe('option parsers', () => {
  it('integer accepts whole numbers in range only', () => {
    expect(integer(0, 65535)('8765')).toBe(8765);
    for (const bad of ['-1', '65536', '1.5', 'x', ''])
      expect(() => integer(0, 65535)(bad)).toThrow(InvalidArgumentError);
  });

  it('seconds accepts fractions, not negatives or words', () => {
    expect(seconds('0.25')).toBe(0.25);
    expect(seconds('120')).toBe(120);
    for (const bad of ['-1', 'soon', '1e3']) expect(() => seconds(bad)).toThrow(InvalidArgumentError);
  });

  it('bytes accepts plain counts and binary units', () => {
    expect(bytes('1048576')).toBe(1048576);
    expect(bytes('512k')).toBe(512 * 1024);
    expect(bytes('1m')).toBe(1024 * 1024);
    expect(bytes('2MiB')).toBe(2 * 1024 * 1024);
    for (const bad of ['0', 'lots', '1.5m']) expect(() => bytes(bad)).toThrow(InvalidArgumentError);
  });

  it('collect and keyValue accumulate repeated flags', () => {
    expect(collect('b', collect('a', undefined))).toEqual(['a', 'b']);
    expect(keyValue('api_type=openai', keyValue('tags=local', undefined))).toEqual([
      ['tags', 'local'],
      ['api_type', 'openai'],
    ]);
    expect(keyValue('base_url=http://x/?a=b', undefined)).toEqual([['base_url', 'http://x/?a=b']]);
    for (const bad of ['novalue', '=x']) expect(() => keyValue(bad, undefined)).toThrow(InvalidArgumentError);
  });
});
