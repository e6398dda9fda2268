import { constants } from 'node:fs';
import { mkdir, open, realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { childEnvironment } from './child-environment.js';
import { runCommand } from './run-command.js';

/**
 * AutoGen 0.2's `CODE_BLOCK_PATTERN`: a fenced block with an optional language after the fence, spaces allowed before
 * the language and before the closing fence (an indented block), `\r\n` or `\n` line ends. Python's `\w` matches any
 * Unicode letter or digit, hence the `u` flag and the property classes.
 */
export const CODE_BLOCK_PATTERN = '```[ \\t]*([\\p{L}\\p{N}_]+)?[ \\t]*\\r?\\n([\\s\\S]*?)\\r?\\n[ \\t]*```';

/** AutoGen's language for code it cannot name. */
export const UNKNOWN = 'unknown';
/** What a timed-out run adds to its output (AutoGen's `TIMEOUT_MSG`). */
export const TIMEOUT_MSG = 'Timeout';
/** The spellings of Python that AutoGen runs as Python. */
export const PYTHON_VARIANTS: readonly string[] = ['python', 'Python', 'py'];

/** The `[language, code]` pairs of the fenced blocks of `text`, in order (Python's `re.findall`). */
export function findCodeBlocks(text: string): Array<[string, string]> {
  const pattern = new RegExp(CODE_BLOCK_PATTERN, 'gu');
  return [...text.matchAll(pattern)].map((match) => [match[1] ?? '', match[2] ?? '']);
}

/**
 * AutoGen 0.2's `extract_code`: the `[language, code]` pairs of the fenced blocks of `text`, the language `''` when
 * the fence names none; `[[UNKNOWN, text]]` when there is no block at all.
 */
export function extractCode(text: string | null | undefined): Array<[string, string]> {
  const content = text ?? '';
  const found = findCodeBlocks(content);
  return found.length > 0 ? found : [[UNKNOWN, content]];
}

/** How long the syntax check of {@link inferLang} may take. */
const INFER_TIMEOUT_MS = 10_000;

/**
 * AutoGen 0.2's `infer_lang`: `sh` for a command line starting `python `, `python3 ` or `pip`; `python` when the code
 * parses as Python (asked of `python3`'s `compile()`, which parses without running anything); else {@link UNKNOWN},
 * also when `python3` is not installed.
 */
export async function inferLang(code: string, pythonCommand = 'python3'): Promise<string> {
  if (code.startsWith('python ') || code.startsWith('pip') || code.startsWith('python3 ')) return 'sh';
  // -I: isolated, so no PYTHON* variable or user site module takes part in a syntax check.
  const outcome = await runCommand(
    pythonCommand,
    ['-I', '-c', "import sys; compile(sys.stdin.read(), 'test', 'exec')"],
    { env: childEnvironment(), timeoutMs: INFER_TIMEOUT_MS, maxOutputBytes: 4096, input: code },
  );
  return outcome.exitCode === 0 ? 'python' : UNKNOWN;
}

/** AutoGen 0.2's `silence_pip`: adds `-qqq` to `pip install` lines (`!pip install` in Python) that lack it. */
export function silencePip(code: string, lang: string): string {
  let pattern: RegExp;
  if (lang === 'python') pattern = /^! ?pip install/;
  else if (['bash', 'shell', 'sh', 'pwsh', 'powershell', 'ps1'].includes(lang)) pattern = /^pip install/;
  else return code;
  return code
    .split('\n')
    .map((line) => {
      const match = pattern.exec(line);
      return match && !line.includes('-qqq') ? line.replace(match[0], `${match[0]} -qqq`) : line;
    })
    .join('\n');
}

/** First-line comments that name the file a block is saved to (AutoGen 0.2's `filename_patterns`). */
const FILENAME_PATTERNS = [
  /^<!-- (filename:)?(.+?) -->/s,
  /^\/\* (filename:)?(.+?) \*\//s,
  /^\/\/ (filename:)?(.+?)$/s,
  /^# (filename:)?(.+?)$/s,
];

/** Thrown by {@link fileNameFromContent} for a name outside the working directory. */
export class OutsideWorkspaceError extends Error {
  constructor(fileName: string) {
    super(`Filename is not in the workspace: ${fileName}`);
    this.name = new.target.name;
  }
}

/**
 * AutoGen 0.2's `_get_file_name_from_content`: the file named by the block's first line (`# filename: app.py`,
 * `// app.js`, `<!-- page.html -->`), relative to `workDir`; undefined when the first line names none. Throws
 * {@link OutsideWorkspaceError} when the name leads out of `workDir` (`/tmp/x.py`, `../x.py`).
 */
export function fileNameFromContent(code: string, workDir: string): string | undefined {
  const firstLine = (code.split('\n')[0] ?? '').trim();
  for (const pattern of FILENAME_PATTERNS) {
    const match = pattern.exec(firstLine);
    if (!match) continue;
    return workspaceFileName(workDir, (match[2] ?? '').trim());
  }
  return undefined;
}

/** `fileName` relative to `workDir`; throws {@link OutsideWorkspaceError} when it leads out of it. */
export function workspaceFileName(workDir: string, fileName: string): string {
  const root = path.resolve(workDir);
  const relative = path.relative(root, path.resolve(root, fileName));
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
    throw new OutsideWorkspaceError(fileName);
  return relative;
}

/**
 * AutoGen 0.2's `_cmd`: the program that runs a file of language `lang` (undefined for one it cannot run). Python runs
 * as `pythonCommand` (`python3`; AutoGen's `python`), `shell` as `sh`, `javascript` with `node`, PowerShell with `pwsh`.
 */
export function commandFor(lang: string, pythonCommand = 'python3'): string | undefined {
  if (PYTHON_VARIANTS.includes(lang)) return pythonCommand;
  if (lang.startsWith('python') || lang === 'bash' || lang === 'sh') return lang;
  if (lang === 'shell') return 'sh';
  if (lang === 'javascript') return 'node';
  if (lang === 'ps1' || lang === 'pwsh' || lang === 'powershell') return 'pwsh';
  return undefined;
}

/**
 * Writes `code` to `fileName` inside `workDir` (creating its folders) and returns the file's absolute path. Throws
 * {@link OutsideWorkspaceError} when a symbolic link would lead the write out of `workDir`: code run in a container
 * can plant links in the mounted folder, and the file is written by this process, outside the container.
 */
export async function writeCodeFile(workDir: string, fileName: string, code: string): Promise<string> {
  const root = await realpath(workDir);
  const target = path.resolve(root, fileName);
  await mkdir(path.dirname(target), { recursive: true });
  const folder = await realpath(path.dirname(target));
  if (folder !== root && !folder.startsWith(root + path.sep)) throw new OutsideWorkspaceError(fileName);
  // O_NOFOLLOW: a link planted at the file's own name is refused (ELOOP) rather than followed.
  const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW);
  try {
    await handle.writeFile(code, 'utf8');
  } finally {
    await handle.close();
  }
  return target;
}
