/** @module Announcements of credentials this node just revoked, for whoever holds them open. */
import type { HeldCredential } from "./held-credentials.ts";

/** A credential that ended, or a user all of whose credentials did (disabled). */
export type Revocation = HeldCredential | { via: "user"; userId: string };

/**
 * Tells this node's holders of long-lived requests (event streams) at once that a credential was
 * revoked here, so they end without waiting for their next check against the database; that check
 * is what catches revocations made on other nodes.
 */
export interface Revocations {
  announce(revocation: Revocation): void;
  /** Returns the unsubscribe. */
  subscribe(listener: (revocation: Revocation) => void): () => void;
}

export function createRevocations(): Revocations {
  const listeners = new Set<(revocation: Revocation) => void>();
  return {
    announce(revocation) {
      for (const listener of listeners) listener(revocation);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
