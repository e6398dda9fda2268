import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The fenced code blocks of a markdown file, with the HTML comments right before each one, which tell the code-block
 * test how to run it:
 *
 * - `<!-- not run: REASON -->`: the block cannot run in a test (it installs, needs a program agentws does not ship...).
 * - `<!-- file: NAME -->`: the block is the file NAME that the doc's other blocks use (`./my-agent.ts`).
 * - `<!-- with: COMMAND -->`: a server the block needs, started first as in a second terminal.
 */
export interface CodeBlock {
  /** The markdown file, relative to the repository root (`docs/cli.md`). */
  doc: string;
  /** Line of the opening fence, 1-based. */
  line: number;
  /** The fence's info string up to the first space: `ts`, `console`, `text`; empty when none. */
  lang: string;
  code: string;
  notRun?: string;
  file?: string;
  with: string[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const DIRECTIVE = /^<!--\s*(not run|file|with)\s*:(.*?)-->\s*$/;

/** Reads the blocks of `doc` (relative to `root`). Other HTML comments are left alone. */
export function readCodeBlocks(root: string, doc: string): CodeBlock[] {
  const lines = readFileSync(path.join(root, doc), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let pending: Pick<CodeBlock, 'notRun' | 'file' | 'with'> = { with: [] };
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const directive = DIRECTIVE.exec(text.trim());
    if (directive) {
      const value = directive[2]!.trim();
      if (directive[1] === 'not run') pending.notRun = value;
      else if (directive[1] === 'file') pending.file = value;
      else pending.with.push(value);
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) {
      if (text.trim() !== '') pending = { with: [] };
      continue;
    }
    const [, indent, marker, lang] = fence;
    const body: string[] = [];
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(marker!)) {
      body.push(lines[end]!.startsWith(indent!) ? lines[end]!.slice(indent!.length) : lines[end]!);
      end++;
    }
    if (end === lines.length) throw new Error(`${doc}:${i + 1}: code block never closed`);
    blocks.push({ doc, line: i + 1, lang: lang!.toLowerCase(), code: body.join('\n') + '\n', ...pending });
    pending = { with: [] };
    i = end;
  }
  return blocks;
}

/**
 * The commands of a `sh` or `console` block, as a person types them: in `console` the lines after a `$ ` prompt (the
 * other lines are output), in `sh` every line but comments and blank ones. A trailing `\` joins the next line.
 */
export function typedCommands(block: CodeBlock): string[] {
  const commands: string[] = [];
  let current: string | undefined;
  for (const raw of block.code.split('\n')) {
    let line = raw;
    if (current === undefined) {
      if (block.lang === 'console') {
        if (!line.startsWith('$ ')) continue;
        line = line.slice(2);
      } else if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    }
    const continued = line.endsWith('\\');
    current = (current === undefined ? '' : current + '\n') + line;
    if (!continued) {
      commands.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) commands.push(current);
  return commands;
}
