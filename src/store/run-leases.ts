import type { Redis } from 'ioredis';
import type { LeaseOwner, RunOwnership } from './session-store.js';

/**
 * Who runs each durable session, on Redis: a lease per run, renewed by its owner, taken over by any instance once it
 * lapses (the owner died) or is given back (the owner is restarting).
 *
 * One sorted set per deployment, `<prefix>runs`, holds every live durable run with the time its lease ends; the owner
 * is the `owner` field of the session's metadata. Each instance renews the leases of its runs every third of the lease
 * time (one script call for all of them), and scans for lapsed ones every `scanMs` and at once when told (a pub/sub
 * nudge on `<prefix>runs:nudge` when a run is given back). A claim sets the owner and a new lease in one script, so
 * two instances never claim the same run. Each script touches keys it was not given: this needs a standalone (or
 * Sentinel) Redis, not Redis Cluster.
 */

const RENEW = `
local lost = {}
for i = 3, #ARGV, 2 do
  if redis.call('HGET', ARGV[i + 1], 'owner') == ARGV[1] then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
return lost`;

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
local claimed = {}
for _, id in ipairs(ids) do
  local meta = ARGV[5] .. '{' .. id .. '}:meta'
  if redis.call('EXISTS', meta) == 1 and redis.call('HGET', meta, 'state') ~= 'ended' then
    redis.call('HSET', meta, 'owner', ARGV[1])
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    table.insert(claimed, id)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed`;

const RELEASE = `
for i = 2, #ARGV, 2 do
  if redis.call('HGET', ARGV[i + 1], 'owner') == ARGV[1] then
    redis.call('HSET', ARGV[i + 1], 'owner', '')
    redis.call('ZADD', KEYS[1], 0, ARGV[i])
  end
end
return redis.call('PUBLISH', KEYS[2], 'released')`;

/** Options of {@link RunLeases}. */
export interface RunLeasesOptions {
  keyPrefix: string;
  /** How long a run's lease lasts without renewal: a run whose process died is taken over after it. */
  leaseMs: number;
  /** How often lapsed leases are looked for. */
  scanMs: number;
}

/** The leases of durable runs (see the module comment). */
export class RunLeases implements RunOwnership {
  readonly #redis: Redis;
  readonly #options: RunLeasesOptions;
  readonly #instanceId: string;
  /** The runs this instance owns: session id → its metadata key. */
  readonly #owned = new Map<string, string>();
  #owner: LeaseOwner | undefined;
  #renew: NodeJS.Timeout | undefined;
  #scan: NodeJS.Timeout | undefined;
  #scanning = false;
  #scanAgain = false;

  constructor(redis: Redis, instanceId: string, options: RunLeasesOptions) {
    this.#redis = redis;
    this.#instanceId = instanceId;
    this.#options = options;
  }

  get #key(): string {
    return `${this.#options.keyPrefix}runs`;
  }

  /** The pub/sub channel that wakes scanners when a run is given back. */
  get nudgeChannel(): string {
    return `${this.#options.keyPrefix}runs:nudge`;
  }

  /** The command that starts the lease of a new run (batched with its first writes). */
  startCommand(id: string): string[] {
    return ['zadd', this.#key, String(Date.now() + this.#options.leaseMs), id];
  }

  /** The command that ends the lease of a run that ended. */
  endCommand(id: string): string[] {
    return ['zrem', this.#key, id];
  }

  /** This instance runs `id` now (a new run, or one it claimed); its lease is renewed until {@link forget}. */
  own(id: string, metaKey: string): void {
    this.#owned.set(id, metaKey);
  }

  forget(id: string): void {
    this.#owned.delete(id);
  }

  /** Starts renewing this instance's leases and taking over lapsed runs for `owner`. */
  start(owner: LeaseOwner): void {
    this.#owner = owner;
    this.#renew = setInterval(() => void this.#renewAll(), Math.max(100, Math.floor(this.#options.leaseMs / 3)));
    this.#renew.unref();
    this.#scan = setInterval(() => void this.scan(), this.#options.scanMs);
    this.#scan.unref();
    void this.scan();
  }

  /** Claims lapsed runs now (also when a nudge says a run was given back). */
  async scan(): Promise<void> {
    const owner = this.#owner;
    if (!owner) return;
    if (this.#scanning) {
      this.#scanAgain = true;
      return;
    }
    this.#scanning = true;
    try {
      do {
        this.#scanAgain = false;
        const room = owner.capacity();
        if (room <= 0) return;
        const now = Date.now();
        const claimed = (await this.#redis.eval(
          CLAIM,
          1,
          this.#key,
          this.#instanceId,
          String(now),
          String(now + this.#options.leaseMs),
          String(room),
          this.#options.keyPrefix,
        )) as string[];
        if (claimed.length > 0) owner.claimed(claimed);
      } while (this.#scanAgain);
    } catch {
      // Redis away: the next scan tries again.
    } finally {
      this.#scanning = false;
    }
  }

  /** Stops renewing and scanning (the leases of runs still owned lapse, unless given back first). */
  stop(): void {
    this.#owner = undefined;
    clearInterval(this.#renew);
    clearInterval(this.#scan);
  }

  /** Gives runs back at once (a restart): any instance takes them over now, not after a lease time. */
  async release(ids: readonly string[]): Promise<void> {
    const args: string[] = [this.#instanceId];
    for (const id of ids) {
      const meta = this.#owned.get(id);
      if (meta === undefined) continue;
      args.push(id, meta);
      this.#owned.delete(id);
    }
    if (args.length === 1) return;
    await this.#redis.eval(RELEASE, 2, this.#key, this.nudgeChannel, ...args);
  }

  async #renewAll(): Promise<void> {
    if (this.#owned.size === 0) return;
    const args: string[] = [this.#instanceId, String(Date.now() + this.#options.leaseMs)];
    for (const [id, meta] of this.#owned) args.push(id, meta);
    let lost: string[];
    try {
      lost = (await this.#redis.eval(RENEW, 1, this.#key, ...args)) as string[];
    } catch {
      return; // Redis away: the leases may lapse; a run whose lease was taken is stopped at the next renewal
    }
    for (const id of lost) this.#owned.delete(id);
    if (lost.length > 0) this.#owner?.lost(lost);
  }
}
