import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentwsError } from '../errors.js';
import type { ModuleOnConnect } from '../server/on-connect-context.js';

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
const WHAT_TO_EXPORT =
  'It must export a function called per connection: `export default function onConnect(iostream) { ... }` ' +
  'or `export function onConnect(iostream) { ... }` (in CommonJS: `module.exports = function onConnect(iostream) { ... }`).';

let tsxRegistered = false;

/**
 * Lets `import()` and `require()` load TypeScript without a build step. tsx's global hooks (not `tsImport`, whose
 * namespace would load a second copy of agentws: agents would then print to another module's default stream, not
 * the session's). The CommonJS hook is for `.cts` files, and `.ts` files in packages without `"type": "module"`.
 */
async function registerTsx(): Promise<void> {
  if (tsxRegistered) return;
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  esm.register();
  cjs.register();
  tsxRegistered = true;
}

/** How Node will read a module file: as CommonJS or as an ES module, and why (for error messages). */
interface ModuleFormat {
  commonjs: boolean;
  /** Why it is CommonJS, e.g. `its extension is .cts`. */
  reason: string;
  /** The package.json that decides, if any. */
  packageJson: string | undefined;
}

function nearestPackageJson(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}

/** Node's rule: `.mjs`/`.mts` are ESM, `.cjs`/`.cts` CommonJS, others follow the nearest package.json's "type". */
function formatOf(file: string): ModuleFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.mjs' || extension === '.mts') return { commonjs: false, reason: '', packageJson: undefined };
  if (extension === '.cjs' || extension === '.cts') {
    return { commonjs: true, reason: `its extension is ${extension}`, packageJson: undefined };
  }
  const packageJson = nearestPackageJson(path.dirname(file));
  if (packageJson === undefined) {
    return { commonjs: true, reason: 'no package.json above it says "type": "module"', packageJson };
  }
  let type: unknown;
  try {
    type = (JSON.parse(readFileSync(packageJson, 'utf8')) as { type?: unknown } | null)?.type;
  } catch {
    // Unreadable or not JSON: Node reads the module as CommonJS too.
  }
  if (type === 'module') return { commonjs: false, reason: '', packageJson };
  return { commonjs: true, reason: `${packageJson} has no "type": "module"`, packageJson };
}

/**
 * Loads a CommonJS TypeScript module with `require`, so that its `import ... from 'agentws'` (compiled to
 * `require`) runs in Node's CommonJS loader, which loads the ES module agentws (Node 20.19 and newer) as the same
 * copy the server uses. Shaped like `import()`'s namespace of a CommonJS module.
 */
function requireModule(file: string): Record<string, unknown> {
  const exports: unknown = createRequire(file)(file);
  if (exports !== null && typeof exports === 'object') return { ...(exports as object), default: exports };
  return { default: exports };
}

/** Failures that mean "this needed an ES module": CommonJS cannot load agentws, or an ESM-only feature, here. */
const NEEDS_ESM_CODES = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
const NEEDS_ESM_MESSAGES = [/top-level await/i, /Cannot use import statement outside a module/, /import\.meta/];

/** What to change when a CommonJS module failed because it needed to be an ES module; '' when that is not the cause. */
function esmHint(error: unknown, file: string, format: ModuleFormat): string {
  if (!format.commonjs) return '';
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (!NEEDS_ESM_CODES.has(String(code)) && !NEEDS_ESM_MESSAGES.some((pattern) => pattern.test(message))) return '';
  const extension = path.extname(file).toLowerCase();
  const base = path.basename(file, path.extname(file));
  const esmName = TS_EXTENSIONS.has(extension) ? `${base}.mts` : `${base}.mjs`;
  const fixes = [`rename it to ${esmName}`];
  if (extension !== '.cjs' && extension !== '.cts') {
    fixes.unshift(
      format.packageJson === undefined
        ? 'add a package.json with "type": "module" beside it'
        : `add "type": "module" to ${format.packageJson}`,
    );
  }
  const oldNode =
    code === 'ERR_REQUIRE_ESM' ? ` (or run Node.js 20.19 or newer, whose require() loads ES modules like agentws)` : '';
  return `It is loaded as CommonJS because ${format.reason}; load it as an ES module instead: ${fixes.join(', or ')}${oldNode}.`;
}

function pick(module: Record<string, unknown>): unknown {
  if (typeof module.default === 'function') return module.default;
  if (typeof module.onConnect === 'function') return module.onConnect;
  // A CommonJS module (or a .ts file compiled as one) arrives as `{ default: module.exports }`.
  const inner = module.default;
  if (inner !== null && typeof inner === 'object') {
    const exports = inner as Record<string, unknown>;
    if (typeof exports.default === 'function') return exports.default;
    if (typeof exports.onConnect === 'function') return exports.onConnect;
  }
  return undefined;
}

/**
 * Loads a user's onConnect module (`.js`, `.mjs`, `.cjs`, or TypeScript without a build step: `.ts`, `.mts`, `.cts`),
 * in ESM and CommonJS packages alike: its default export (or `module.exports`), else its `onConnect` export. Throws
 * `MODULE_INVALID` naming the file and what to change.
 * @example const onConnect = await loadOnConnect('./my-agent.ts', process.cwd());
 */
export async function loadOnConnect(specifier: string, cwd: string): Promise<ModuleOnConnect> {
  const file = path.resolve(cwd, specifier);
  if (!existsSync(file)) {
    throw new AgentwsError(
      'MODULE_INVALID',
      `Cannot find the on-connect module ${specifier} (looked for ${file}). Check the path; it is relative to the working directory.`,
    );
  }
  const typescript = TS_EXTENSIONS.has(path.extname(file).toLowerCase());
  if (typescript) await registerTsx();
  const format = formatOf(file);
  let module: Record<string, unknown>;
  try {
    // import() of a CommonJS TypeScript file would run its require() calls inside the ESM loader, where loading an
    // ES module (agentws) fails under tsx's hooks; Node's own CommonJS loader can.
    module =
      typescript && format.commonjs
        ? requireModule(file)
        : ((await import(pathToFileURL(file).href)) as Record<string, unknown>);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).trimEnd();
    const hint = esmHint(error, file, format);
    throw new AgentwsError(
      'MODULE_INVALID',
      `Cannot load the on-connect module ${specifier}: ${reason}${hint === '' ? '' : `\n${hint}`}`,
      { cause: error },
    );
  }
  const onConnect = pick(module);
  if (typeof onConnect !== 'function') {
    const names = Object.keys(module);
    const has = names.length > 0 ? `It exports: ${names.join(', ')}.` : 'It exports nothing.';
    throw new AgentwsError(
      'MODULE_INVALID',
      `The on-connect module ${specifier} has no onConnect function. ${has} ${WHAT_TO_EXPORT}`,
    );
  }
  return onConnect as ModuleOnConnect;
}
