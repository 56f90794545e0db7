/**
 * @module What a session token or API key resolved to, kept for a short while so an authenticated
 * read costs no query. Only what the database said yes to is kept, and only to say yes again: any
 * doubt (an expiry or idle time reached, a touch due, a rotation due) goes back to the database. A
 * change to credentials or users (logout, a revoked key, a role change, a disable, new settings, a
 * new password) empties it here at once and, through the shared bus, on every other node; a node
 * that missed such notices (its connection to the bus dropped) empties it when it reconnects; and
 * nothing is kept longer than its time to live whatever happens.
 */

interface Entry<Value> {
  value: Value;
  storedAt: number;
}

export interface CredentialCacheSettings {
  /** How long an entry may answer; 0 keeps nothing. */
  ttlMs: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries: number;
  now?: () => number;
  /** Told after every `invalidate` on this node: tells the other nodes (see SharedEventBus.notify). */
  onInvalidate?: () => void;
}

export class CredentialCache<Value = unknown> {
  readonly #entries = new Map<string, Entry<Value>>();
  readonly #now: () => number;

  constructor(private readonly settings: CredentialCacheSettings) {
    this.#now = settings.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value kept for a token's hash, while it is fresh. */
  get(tokenHash: string): Value | undefined {
    const entry = this.#entries.get(tokenHash);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.storedAt >= this.settings.ttlMs) {
      this.#entries.delete(tokenHash);
      return undefined;
    }
    return entry.value;
  }

  set(tokenHash: string, value: Value): void {
    if (this.settings.ttlMs <= 0) return;
    this.#entries.delete(tokenHash);
    this.#entries.set(tokenHash, { value, storedAt: this.#now() });
    // Maps iterate in insertion order: the first key is the oldest.
    while (this.#entries.size > this.settings.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  forget(tokenHash: string): void {
    this.#entries.delete(tokenHash);
  }

  /** Forgets everything here, and has every other node forget everything too. */
  invalidate(): void {
    this.clear();
    this.settings.onInvalidate?.();
  }

  /** Forgets everything here (another node's change, or notices that may have been missed). */
  clear(): void {
    this.#entries.clear();
  }
}
