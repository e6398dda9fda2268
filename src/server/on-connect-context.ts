import type { LlmConfigEntry } from '../llm/config-list.js';
import type { IOWebsockets } from './io-websockets.js';

/** What a host such as `agentws serve` passes to an onConnect module besides the connection's stream. */
export interface OnConnectContext {
  /** The config list the host selected (`serve`'s --config, --model, --filter, --demo); `[]` when none is configured. */
  configList: LlmConfigEntry[];
}

/**
 * An onConnect module's function: called per connection with that connection's iostream and the host's context.
 * @example export default async function onConnect(iostream: IOWebsockets, { configList }: OnConnectContext) { ... }
 */
export type ModuleOnConnect = (iostream: IOWebsockets, context: OnConnectContext) => unknown;
