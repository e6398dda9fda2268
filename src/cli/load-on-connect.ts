import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentwsError } from '../errors.js';
import type { LlmConfigEntry } from '../llm/config-list.js';
import type { IOWebsockets } from '../server/io-websockets.js';

/** What `serve` passes to a user's onConnect besides the connection's stream. */
export interface OnConnectContext {
  /** The config list `serve` selected (--config, --model, --filter, --demo); `[]` when none is configured. */
  configList: LlmConfigEntry[];
}

/** A user's onConnect: called per connection with that connection's iostream. */
export type UserOnConnect = (iostream: IOWebsockets, context: OnConnectContext) => unknown;

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
const WHAT_TO_EXPORT =
  'It must export a function called per connection: `export default function onConnect(iostream) { ... }` ' +
  'or `export function onConnect(iostream) { ... }`.';

let tsxRegistered = false;

/**
 * Lets `import()` load TypeScript without a build step. tsx's global hooks (not `tsImport`, whose namespace would
 * load a second copy of agentws: agents would then print to another module's default stream, not the session's).
 * The CommonJS hook is for `.ts` files in packages without `"type": "module"`.
 */
async function registerTsx(): Promise<void> {
  if (tsxRegistered) return;
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  esm.register();
  cjs.register();
  tsxRegistered = true;
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
 * Loads a user's onConnect module (`.js`, `.mjs`, `.cjs`, or TypeScript without a build step): its default export,
 * else its `onConnect` export. Throws `MODULE_INVALID` naming the file and what it must export.
 * @example const onConnect = await loadOnConnect('./my-agent.ts', process.cwd());
 */
export async function loadOnConnect(specifier: string, cwd: string): Promise<UserOnConnect> {
  const file = path.resolve(cwd, specifier);
  if (!existsSync(file)) {
    throw new AgentwsError(
      'MODULE_INVALID',
      `Cannot find the on-connect module ${specifier} (looked for ${file}). Check the path; it is relative to the working directory.`,
    );
  }
  if (TS_EXTENSIONS.has(path.extname(file).toLowerCase())) await registerTsx();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AgentwsError('MODULE_INVALID', `Cannot load the on-connect module ${specifier}: ${reason}`, {
      cause: error,
    });
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
  return onConnect as UserOnConnect;
}
