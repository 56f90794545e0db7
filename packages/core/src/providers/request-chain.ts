/**
 * @module Loop detection between Hearth servers. A provider may point at a Hearth's own `/v1` (a
 * second Hearth is a fine OpenAI-compatible server, and so, by mistake, is the same one). Listing
 * its models then asks the server itself for its models, which asks again, until a timeout. So every
 * request Hearth sends to a provider carries `Hearth-Via`: the random id of this installation
 * followed by the ids the request being served came through, and a request whose `Hearth-Via`
 * already names this installation is refused at once (508) instead of going round again.
 *
 * The ids are random (made by the migration, shared by every node of one installation through the
 * database) and say nothing else about the installation.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export const VIA_HEADER = "Hearth-Via";

/** Longer chains are cut: they cannot loop through this installation without naming it first. */
const MAX_CHAIN = 8;

interface Chain {
  /** This installation's id. */
  self: string;
  /** The installations the request being served came through, nearest first. */
  via: readonly string[];
}

const chains = new AsyncLocalStorage<Chain>();

/** The installation ids a `Hearth-Via` header names (malformed entries dropped). */
export function parseVia(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(",")
    .map((each) => each.trim())
    .filter((each) => /^[\w-]{1,64}$/.test(each))
    .slice(0, MAX_CHAIN);
}

/** Runs `serve` (a request's handling) so that the provider calls it makes carry the chain on. */
export function serveInChain<T>(self: string, viaHeader: string | undefined, serve: () => T): T {
  return chains.run({ self, via: parseVia(viaHeader) }, serve);
}

/** The `Hearth-Via` a provider call made now carries, or undefined outside a request. */
export function outgoingVia(): string | undefined {
  const chain = chains.getStore();
  if (chain === undefined) return undefined;
  return [chain.self, ...chain.via].slice(0, MAX_CHAIN).join(", ");
}
