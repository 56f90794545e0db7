/**
 * @module Which address sent a request, when proxies stand in front of Hearth.
 *
 * Each proxy appends the address it received the request from to `X-Forwarded-For`, so only the
 * right end of the header is written by proxies we run; everything to the left of it is whatever the
 * client sent. The client is therefore found by walking from the socket leftwards over trusted
 * proxies, never by reading the leftmost entry.
 */
import { BlockList, isIP } from "node:net";

/** `server.trustProxy`: off, on (one proxy), a number of proxy hops, or the proxies' addresses/CIDR blocks. */
export type TrustProxySetting = boolean | number | string[];

interface ForwardedClient {
  /** The client's address; undefined when the request came over no socket (in-process tests). */
  ip: string | undefined;
  /** Whether the peer on the socket is a trusted proxy, so its `X-Forwarded-Proto` may be believed. */
  isPeerTrusted: boolean;
}

export type ProxyTrust = (socketAddress: string | undefined, forwardedFor: string | undefined) => ForwardedClient;

/** True for an IPv4 or IPv6 address, or a CIDR block of either. */
export function isAddressOrBlock(value: string): boolean {
  const [address = "", prefix, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Compiles the setting once into a function that finds the client of each request. */
export function createProxyTrust(setting: TrustProxySetting): ProxyTrust {
  const isTrusted = trustTest(setting);
  return (socketAddress, forwardedFor) => {
    const peer = socketAddress === undefined ? undefined : normalizeAddress(socketAddress);
    if (peer === undefined || !isTrusted(peer, 0)) return { ip: peer, isPeerTrusted: false };
    const entries = (forwardedFor ?? "").split(",").map((entry) => entry.trim());
    let client = peer;
    for (let hop = 1, index = entries.length - 1; index >= 0; hop++, index--) {
      const entry = normalizeAddress(entries[index] as string);
      // Proxies write real addresses; anything else was written by the client, so it ends the walk
      // and the last proxy that wrote a real address names the client.
      if (entry === undefined) break;
      client = entry;
      if (!isTrusted(entry, hop)) break;
    }
    return { ip: client, isPeerTrusted: true };
  };
}

/** Whether the address found `hop` steps left of the socket (0: the socket's peer) is a proxy of ours. */
function trustTest(setting: TrustProxySetting): (address: string, hop: number) => boolean {
  if (setting === false) return () => false;
  if (setting === true) return (_address, hop) => hop < 1;
  if (typeof setting === "number") return (_address, hop) => hop < setting;
  const proxies = new BlockList();
  for (const block of setting) {
    const [address = "", prefix] = block.split("/");
    const family = isIP(address) === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) proxies.addAddress(address, family);
    else proxies.addSubnet(address, Number(prefix), family);
  }
  return (address) => proxies.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
}

/**
 * The canonical form of an address as proxies and sockets write it (`1.2.3.4`, `1.2.3.4:5678`,
 * `[::1]:5678`, `::ffff:1.2.3.4`), or undefined when it is no address. One client must get one
 * rate-limit key however its address is spelled.
 */
function normalizeAddress(text: string): string | undefined {
  let address = text;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1] as string;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d (which the URL parser writes in hex).
  return /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(canonical) ? mappedToIpv4(canonical) : canonical;
}

function mappedToIpv4(canonical: string): string {
  const [high = 0, low = 0] = canonical
    .slice("::ffff:".length)
    .split(":")
    .map((part) => Number.parseInt(part, 16));
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}
