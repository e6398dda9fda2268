import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers/spawn-cli.js';
import { ROOT } from './doc-project.js';
import { readCodeBlocks } from './markdown-blocks.js';

// The synopses in README.md and docs/cli.md name exactly the flags `agentws <command> --help` lists (long forms; the
// help flag aside), so neither can drift from the CLI. Spawns the real CLI (dist/ must be built).

const COMMANDS = ['serve', 'connect', 'worker'] as const;

/** The long flags of a command's --help: option lines start with two spaces, then `-x, --name` or `--name`. */
async function helpFlags(command: string): Promise<string[]> {
  const { code, stdout } = await runCli([command, '--help']);
  expect(code).toBe(0);
  const flags = [...stdout.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((match) => match[1]!);
  return flags.filter((flag) => flag !== '--help').sort();
}

/** The flags each command's synopsis names, from the doc's ```text blocks whose lines start `agentws <command>`. */
function synopsisFlags(doc: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const block of readCodeBlocks(ROOT, doc)) {
    if (block.lang !== 'text') continue;
    let command: string | undefined;
    for (const line of block.code.split('\n')) {
      const start = /^agentws (\w+)\s/.exec(line);
      if (start) command = start[1];
      else if (!/^\s/.test(line)) command = undefined;
      if (command === undefined || !(COMMANDS as readonly string[]).includes(command)) continue;
      const flags = found.get(command) ?? [];
      for (const match of line.matchAll(/(?<![\w-])(--[\w-]+)/g)) flags.push(match[1]!);
      found.set(command, flags);
    }
  }
  for (const [command, flags] of found) found.set(command, [...new Set(flags)].sort());
  return found;
}

describe.each(['README.md', 'docs/cli.md'])('the CLI synopsis in %s', (doc) => {
  it.each(COMMANDS)('names every flag of `agentws %s --help`, and no other', async (command) => {
    const documented = synopsisFlags(doc).get(command);
    expect(documented, `${doc} has a synopsis of agentws ${command}`).toBeDefined();
    expect(documented).toEqual(await helpFlags(command));
  });
});
