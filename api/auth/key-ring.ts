// The API keys one API process knows: the key table held in memory (authentication is a map
// lookup and a hash compare, no store round trip per request), reloaded every keyCacheSeconds so
// keys created or revoked by another process take effect within that time, and reloaded at once
// after a change made here. Last-use times are gathered in memory and written in one insert per
// flush, not one write per request.
import type { Logger } from "pino";
import type { Store } from "../../store/index.js";
import { readActiveKeys, writeLastUse } from "../queries/keys.js";
import { authenticate, hashKey, type Authentication, type StoredKey } from "./keys.js";

export interface KeyRingOptions {
  store: Store;
  logger: Logger;
  bootstrapKey?: string;
  reloadSeconds: number;
  lastUseFlushSeconds: number;
}

export class KeyRing {
  private keys = new Map<string, StoredKey>();
  private readonly lastUse = new Map<string, number>();
  private readonly bootstrapHash?: string;
  private timers: NodeJS.Timeout[] = [];
  private loaded = false;

  constructor(private readonly options: KeyRingOptions) {
    this.bootstrapHash = options.bootstrapKey ? hashKey(options.bootstrapKey) : undefined;
  }

  /** Loads the key table and starts the reload and last-use timers. */
  async start(): Promise<void> {
    await this.reload();
    const reload = setInterval(() => void this.reload().catch((err: Error) => this.options.logger.warn({ err: err.message }, "reloading API keys failed; keeping the keys loaded before")), this.options.reloadSeconds * 1000);
    const flush = setInterval(() => void this.flushLastUse(), this.options.lastUseFlushSeconds * 1000);
    reload.unref();
    flush.unref();
    this.timers = [reload, flush];
  }

  async reload(): Promise<void> {
    const keys = await readActiveKeys(this.options.store);
    this.keys = new Map(keys.map((key) => [key.keyId, key]));
    this.loaded = true;
  }

  /** True when no key can authenticate at all (no bootstrap key, no stored key). */
  get empty(): boolean {
    return this.loaded && !this.bootstrapHash && this.keys.size === 0;
  }

  authenticate(presented: string | undefined, now = Date.now()): Authentication {
    const result = authenticate(presented, { bootstrapHash: this.bootstrapHash, lookup: (keyId) => this.keys.get(keyId), now });
    if (result.ok && result.keyId !== "bootstrap") this.lastUse.set(result.keyId, now);
    return result;
  }

  /** Last uses not yet written, for listings that must show them. */
  pendingLastUse(keyId: string): number | undefined {
    return this.lastUse.get(keyId);
  }

  async flushLastUse(): Promise<void> {
    if (this.lastUse.size === 0) return;
    const batch = new Map(this.lastUse);
    this.lastUse.clear();
    try {
      await writeLastUse(this.options.store, batch);
    } catch (err) {
      // Put them back (unless a newer use arrived meanwhile): the next flush retries.
      for (const [keyId, at] of batch) if (!this.lastUse.has(keyId)) this.lastUse.set(keyId, at);
      this.options.logger.warn({ err: (err as Error).message }, "writing API key last-use times failed; retrying at the next flush");
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.flushLastUse();
  }
}
