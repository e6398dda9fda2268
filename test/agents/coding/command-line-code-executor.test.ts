import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConversableAgent,
  createCodeExecutor,
  DockerCommandLineCodeExecutor,
  dockerStatus,
  isCodeExecutor,
  LocalCommandLineCodeExecutor,
  type CodeBlock,
  type CodeExecutor,
} from '../../../src/agents/index.js';
import { CodeExecutionError, DefinitionError } from '../../../src/errors.js';
import { IOStream } from '../../../src/io/iostream.js';
import { CodeIOStream } from './code-iostream.js';

// Ports AutoGen 0.2's test/coding/test_commandline_code_executor.py (v0.2.40): each case is named after the Python
// test it ports, run for both executors where AutoGen runs it for both. The Docker cases that need a daemon skip, with
// the reason, when `docker info` finds none; the others (construction, policies) run without one, since the
// container starts on the first run. Not ported: test_silent_pip_install (it installs matplotlib from PyPI).

const docker = await dockerStatus();
const PYTHON_VARIANTS = ['python', 'Python', 'py'];

type Executor = LocalCommandLineCodeExecutor | DockerCommandLineCodeExecutor;
const made: Executor[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const executor of made.splice(0)) {
    if (executor instanceof DockerCommandLineCodeExecutor) await executor.stop();
    else executor.close();
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A temporary folder removed after the test (AutoGen's `tempfile.TemporaryDirectory()`). */
function tempDir(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'agentws-test-code-'));
  folders.push(folder);
  return folder;
}

const CLASSES = [
  {
    name: 'LocalCommandLineCodeExecutor',
    needsDaemon: false,
    make: (options: ConstructorParameters<typeof LocalCommandLineCodeExecutor>[0] = {}) =>
      track(new LocalCommandLineCodeExecutor(options)),
  },
  {
    name: 'DockerCommandLineCodeExecutor',
    needsDaemon: true,
    make: (options: ConstructorParameters<typeof DockerCommandLineCodeExecutor>[0] = {}) =>
      track(new DockerCommandLineCodeExecutor(options)),
  },
] as const;

function track<T extends Executor>(executor: T): T {
  made.push(executor);
  return executor;
}

/** Skips a case that runs code in Docker when there is no daemon, saying why. */
function needDocker(cls: { needsDaemon: boolean }, skip: (note: string) => void): void {
  if (cls.needsDaemon && !docker.running) skip(`no Docker daemon (docker info: ${docker.reason})`);
}

const NOTHING_RUNS = { python: false, bash: false, html: false, javascript: false, css: false };

describe('LocalCommandLineCodeExecutor execution policies', () => {
  it.each([
    ['python', false],
    ['bash', false],
    ['html', false],
    ['javascript', false],
  ])('test_execution_policy_enforcement (%s, should execute: %s)', async (lang, shouldExecute) => {
    const executor = CLASSES[0].make({ workDir: tempDir(), executionPolicies: NOTHING_RUNS });
    const code = lang === 'python' ? "print('Hello, world!')" : "echo 'Hello, world!'";
    const result = await executor.executeCodeBlocks([{ code, language: lang }]);

    if (shouldExecute) expect(result.output).toContain('Hello, world!');
    else expect(result.output).not.toContain('Hello, world!');
    // Files are saved whether or not they run.
    expect(result.codeFile).toBeDefined();
  });
});

describe.each(CLASSES)('$name', (cls) => {
  it('test_is_code_executor', () => {
    expect(isCodeExecutor(cls.make())).toBe(true);
  });

  it('test_commandline_executor_init', () => {
    const executor = cls.make({ timeout: 10, workDir: '.' });
    expect(executor.timeout).toBe(10);
    expect(executor.workDir).toBe('.');

    // An invalid working directory (AutoGen: FileNotFoundError).
    const invalid = () => cls.make({ timeout: 111, workDir: '/invalid/directory' });
    expect(invalid).toThrow(DefinitionError);
    expect(invalid).toThrow("'/invalid/directory' cannot be created: its parent folder does not exist.");
  });

  it.for(PYTHON_VARIANTS)('test_commandline_executor_execute_code (%s)', async (pyVariant, { skip }) => {
    needDocker(cls, skip);
    await testExecuteCode(pyVariant, cls.make({ workDir: tempDir() }));
  });

  it('test_local_commandline_code_executor_save_files', async ({ skip }) => {
    needDocker(cls, skip);
    await testSaveFiles(cls.make({ workDir: tempDir() }), false);
  });

  it('test_local_commandline_code_executor_save_files_only', async ({ skip }) => {
    needDocker(cls, skip);
    // Execution policies that run no language.
    const executor = cls.make({
      workDir: tempDir(),
      executionPolicies: { python: false, bash: false, javascript: false, html: false, css: false },
    });
    await testSaveFiles(executor, true);
  });

  it('test_commandline_code_executor_timeout', async ({ skip }) => {
    needDocker(cls, skip);
    const executor = cls.make({ timeout: 1, workDir: tempDir() });
    const result = await executor.executeCodeBlocks([
      { code: "import time; time.sleep(10); print('hello world!')", language: 'python' },
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain('Timeout');
  });

  it('test_commandline_executor_conversable_agent_code_execution', async ({ skip }) => {
    needDocker(cls, skip);
    const executor = cls.make({ workDir: tempDir() });
    const agent = new ConversableAgent({ name: 'user_proxy', codeExecutionConfig: { executor }, llmConfig: false });
    expect(agent.codeExecutor).toBe(executor);

    const message = `
    Example:
    \`\`\`python
    print("hello extract code")
    \`\`\`
    `;
    // agentws asks a human before running code in TERMINATE mode (ConversableAgent's default); AutoGen does not.
    const io = new CodeIOStream(['yes']);
    const reply = await IOStream.withDefault(io, () =>
      agent.generateReply({
        messages: [{ role: 'user', content: message }],
        sender: new ConversableAgent({ name: 'user', llmConfig: false, codeExecutionConfig: false }),
      }),
    );
    expect(reply).toContain('hello extract code');
  });

  it('test_invalid_relative_path', async ({ skip }) => {
    needDocker(cls, skip);
    const executor = cls.make();
    const code = '# filename: /tmp/test.py\n\nprint("hello world")\n';
    const result = await executor.executeCodeBlocks([{ code, language: 'python' }]);
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain('Filename is not in the workspace');
  });

  it('test_valid_relative_path', async ({ skip }) => {
    needDocker(cls, skip);
    const workDir = tempDir();
    const executor = cls.make({ workDir });
    const code = '# filename: test.py\n\nprint("hello world")\n';
    const result = await executor.executeCodeBlocks([{ code, language: 'python' }]);
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('hello world');
    expect(result.codeFile).toContain('test.py');
    expect(path.resolve(result.codeFile!)).toBe(path.resolve(workDir, 'test.py'));
    expect(existsSync(path.join(workDir, 'test.py'))).toBe(true);
  });
});

/** AutoGen's `_test_execute_code`. */
async function testExecuteCode(pyVariant: string, executor: CodeExecutor): Promise<void> {
  // A single code block.
  let result = await run(executor, [{ code: "import sys; print('hello world!')", language: pyVariant }]);
  expect(result.exitCode).toBe(0);
  expect(result.output).toContain('hello world!');
  expect(result.codeFile).toBeDefined();

  // Several code blocks.
  result = await run(executor, [
    { code: "import sys; print('hello world!')", language: pyVariant },
    { code: 'a = 100 + 100; print(a)', language: pyVariant },
  ]);
  expect(result.exitCode).toBe(0);
  expect(result.output).toContain('hello world!');
  expect(result.output).toContain('200');
  expect(result.codeFile).toBeDefined();

  // A bash script.
  result = await run(executor, [{ code: "echo 'hello world!'", language: 'bash' }]);
  expect(result.exitCode).toBe(0);
  expect(result.output).toContain('hello world!');
  expect(result.codeFile).toBeDefined();

  // Running code.
  const fileLines = ['import sys', "print('hello world!')", 'a = 100 + 100', 'print(a)'];
  result = await run(executor, [{ code: fileLines.join('\n'), language: pyVariant }]);
  expect(result.exitCode).toBe(0);
  expect(result.output).toContain('hello world!');
  expect(result.output).toContain('200');

  // The saved code file.
  const codeLines = readFileSync(result.codeFile!, 'utf8').split('\n');
  fileLines.forEach((line, i) => expect(codeLines[i]?.trim()).toBe(line.trim()));
}

/** AutoGen's `_test_save_files`. */
async function testSaveFiles(executor: CodeExecutor, saveFileOnly: boolean): Promise<void> {
  const checkOutput = (output: string, expected: string): boolean =>
    saveFileOnly ? !output.includes(expected) : output.includes(expected);
  const saved = async (code: string, language: string, name: string, ran: boolean): Promise<void> => {
    const result = await run(executor, [{ code, language }]);
    expect(result.exitCode).toBe(0);
    if (ran) expect(checkOutput(result.output, 'hello world!')).toBe(true);
    else expect(result.output).not.toContain('hello world!');
    expect(path.basename(result.codeFile!)).toBe(name);
  };

  // Executable code blocks: a given file name, with and without the "filename" prefix (Python).
  await saved("# filename: test.py\nimport sys; print('hello world!')", 'python', 'test.py', true);
  await saved("# test.py\nimport sys; print('hello world!')", 'python', 'test.py', true);
  // Blocks that are only saved: JavaScript, CSS, HTML.
  await saved("// filename: test.js\nconsole.log('hello world!')", 'javascript', 'test.js', false);
  await saved("// test.js\nconsole.log('hello world!')", 'javascript', 'test.js', false);
  await saved('/* filename: test.css */\nh1 { color: red; }', 'css', 'test.css', false);
  await saved('/* test.css */\nh1 { color: red; }', 'css', 'test.css', false);
  await saved('<!-- filename: test.html -->\n<h1>hello world!</h1>', 'html', 'test.html', false);
  await saved('<!-- test.html -->\n<h1>hello world!</h1>', 'html', 'test.html', false);
}

function run(executor: CodeExecutor, blocks: CodeBlock[]) {
  return executor.executeCodeBlocks(blocks) as ReturnType<LocalCommandLineCodeExecutor['executeCodeBlocks']>;
}

describe('factory cases of test_commandline_code_executor.py', () => {
  it('test_create_local', () => {
    const executor = createCodeExecutor({ executor: 'commandline-local' });
    expect(executor).toBeInstanceOf(LocalCommandLineCodeExecutor);
    track(executor as LocalCommandLineCodeExecutor);

    const given = CLASSES[0].make();
    expect(createCodeExecutor({ executor: given })).toBe(given);
  });

  it('test_create_docker', () => {
    // The container starts on the first run, so this needs no daemon (AutoGen's starts one here).
    const given = CLASSES[1].make();
    expect(createCodeExecutor({ executor: given })).toBe(given);
  });
});

describe('restart', () => {
  it('test_local_commandline_code_executor_restart', async () => {
    const warned = once(process, 'warning') as Promise<[Error]>;
    CLASSES[0].make().restart();
    const [warning] = await warned;
    expect(warning.message).toMatch(/No action is taken\.$/);
  });

  it('test_docker_commandline_code_executor_restart', async ({ skip }) => {
    needDocker(CLASSES[1], skip);
    const executor = CLASSES[1].make();
    let result = await executor.executeCodeBlocks([{ code: 'echo $HOME', language: 'sh' }]);
    expect(result.exitCode).toBe(0);
    await executor.restart();
    result = await executor.executeCodeBlocks([{ code: 'echo $HOME', language: 'sh' }]);
    expect(result.exitCode).toBe(0);
  });
});

describe('policies', () => {
  it('test_policy_override', () => {
    const defaultPolicy = DockerCommandLineCodeExecutor.DEFAULT_EXECUTION_POLICY;
    const customPolicy = { python: false, javascript: true };

    const executor = CLASSES[1].make({ executionPolicies: customPolicy });

    expect(executor.executionPolicies.python, 'Python execution should be disabled').toBe(false);
    expect(executor.executionPolicies.javascript, 'JavaScript execution should be enabled').toBe(true);
    for (const [lang, shouldExecute] of Object.entries(defaultPolicy)) {
      if (!(lang in customPolicy)) expect(executor.executionPolicies[lang]).toBe(shouldExecute);
    }
    expect(Object.keys(executor.executionPolicies).sort()).toEqual(Object.keys(defaultPolicy).sort());
  });
});

describe('DockerCommandLineCodeExecutor without Docker', () => {
  it('says so when it runs, and what to do instead, having started nothing', async () => {
    const executor = CLASSES[1].make({ dockerCommand: 'agentws-no-such-docker' });
    expect(await dockerStatus('agentws-no-such-docker')).toEqual({
      running: false,
      reason: 'agentws-no-such-docker: command not found. Install it on the machine that runs agentws.',
    });
    const run = executor.executeCodeBlocks([{ code: 'print(1)', language: 'python' }]);
    await expect(run).rejects.toMatchObject({ code: 'CODE_EXECUTION_UNAVAILABLE' });
    await expect(run).rejects.toThrow(
      'Code execution is set to run in Docker, but Docker is not running (agentws-no-such-docker: command not found. ' +
        "Install it on the machine that runs agentws.). Start Docker, or run code on this machine: codeExecutionConfig { executor: 'local' }",
    );
    expect(existsSync(executor.workDir)).toBe(false);
  });
});

describe('LocalCommandLineCodeExecutor.sanitizeCommand', () => {
  it.each([
    ['bash', 'rm -rf /', "Use of 'rm -rf' command is not allowed."],
    ['bash', 'mv myFile /dev/null', 'Moving files to /dev/null is not allowed.'],
    ['bash', 'dd if=/dev/zero of=/dev/sda', "Use of 'dd' command is not allowed."],
    ['bash', 'echo Hello > /dev/sda', 'Overwriting disk blocks directly is not allowed.'],
    ['bash', ':(){ :|:& };:', 'Fork bombs are not allowed.'],
  ])('test_dangerous_commands (%s: %s)', (lang, code, expectedMessage) => {
    const sanitize = () => LocalCommandLineCodeExecutor.sanitizeCommand(lang, code);
    expect(sanitize).toThrow(CodeExecutionError);
    expect(sanitize).toThrow(expectedMessage);
  });
});

describe('virtual environments', () => {
  /** AutoGen's `venv.EnvBuilder(with_pip=True)`, without pip: creating it then needs no network. */
  function createVirtualEnv(dir: string): void {
    execFileSync('python3', ['-m', 'venv', '--without-pip', dir]);
  }

  it('test_local_executor_with_custom_python_env', async () => {
    const workDir = tempDir();
    createVirtualEnv(workDir);
    const executor = CLASSES[0].make({ workDir, virtualEnvDir: workDir });
    const execution = await executor.executeCodeBlocks([
      { code: 'import sys; print(sys.prefix != sys.base_prefix)', language: 'python' },
    ]);
    expect(execution.exitCode).toBe(0);
    expect(execution.output.trim()).toBe('True');
  });

  it('test_local_executor_with_custom_python_env_in_local_relative_path', async () => {
    // A folder relative to the working directory (the repository when the tests run), removed afterwards.
    const relativeFolder = path.relative(process.cwd(), tempDir());
    const venvPath = path.join(relativeFolder, '.venv');
    createVirtualEnv(venvPath);
    const executor = CLASSES[0].make({ workDir: relativeFolder, virtualEnvDir: venvPath });
    const execution = await executor.executeCodeBlocks([
      { code: 'import sys; print(sys.executable)', language: 'python' },
    ]);
    expect(execution.exitCode).toBe(0);
    // The venv's Python ran.
    expect(path.dirname(execution.output.trim())).toBe(path.resolve(venvPath, 'bin'));
  });
});
