/**
 * @module Which base URLs a provider may have. A provider's URL is where Hearth sends requests on an
 * admin's word, so it must not reach what only the server can reach and no admin should: the cloud
 * metadata services (instance credentials) and link-local addresses. Loopback and private ranges stay
 * allowed: Ollama on the same machine or the same network is the common case.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Every address a host name resolves to, as the system resolver answers (node:dns lookup). */
export type LookupAll = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

type UrlCheck = { ok: true } | { ok: false; reason: string; isTransient: boolean };

const systemLookup: LookupAll = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** A resolver that hangs (getaddrinfo has no timeout of its own) must not hold a save or a model list. */
const LOOKUP_TIMEOUT_MS = 5000;

// Names of metadata services that resolve only inside their cloud; refused before any lookup.
const METADATA_HOSTS = new Set([
  "metadata.google.internal",
  "metadata.goog",
  "metadata.azure.com",
  "metadata.tencentyun.com",
  "instance-data",
  "instance-data.ec2.internal",
]);

const METADATA = new BlockList();
METADATA.addAddress("169.254.169.254", "ipv4"); // AWS, GCP, Azure, OpenStack, DigitalOcean …
METADATA.addAddress("169.254.170.2", "ipv4"); // AWS ECS task credentials
METADATA.addAddress("fd00:ec2::254", "ipv6"); // AWS over IPv6
METADATA.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet("169.254.0.0", 16, "ipv4");
LINK_LOCAL.addSubnet("fe80::", 10, "ipv6");
// NAT64's image of 169.254.0.0/16 reaches the same addresses through a translator.
LINK_LOCAL.addSubnet("64:ff9b::a9fe:0", 112, "ipv6");

// Not the address of any server: "this host" (which Linux routes to itself), multicast, broadcast.
const NOT_A_SERVER = new BlockList();
NOT_A_SERVER.addSubnet("0.0.0.0", 8, "ipv4");
NOT_A_SERVER.addAddress("::", "ipv6");
NOT_A_SERVER.addSubnet("224.0.0.0", 4, "ipv4");
NOT_A_SERVER.addAddress("255.255.255.255", "ipv4");
NOT_A_SERVER.addSubnet("ff00::", 8, "ipv6");

/**
 * What is wrong with a base URL on its face (scheme, credentials, a refused name or address literal),
 * or undefined. Needs no network: request validation and the config file use it.
 */
export function describeUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "must be an absolute URL such as http://127.0.0.1:11434/v1";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http:// or https:// URL";
  if (url.username !== "" || url.password !== "") {
    return "must not hold a user name or password: put the API key in apiKey";
  }
  // A key in the query (?key=…) would be stored in clear and shown to every admin.
  if (url.search !== "" || url.hash !== "") return "must not hold a query (?…) or fragment (#…)";
  const host = hostOf(url);
  if (METADATA_HOSTS.has(host)) return `must not point at a cloud metadata service (${host})`;
  const refused = isIP(host) === 0 ? undefined : refusedKind(host);
  return refused === undefined ? undefined : `must not point at ${refused} (${host})`;
}

/**
 * Checks a base URL, resolving its host: every address it resolves to must be allowed, or a second
 * record could lead requests to a refused one. Checked when a provider is saved and again each
 * time one is built, since what a name resolves to can change.
 */
export async function checkProviderUrl(text: string, lookupAll: LookupAll = systemLookup): Promise<UrlCheck> {
  const problem = describeUrlProblem(text);
  if (problem !== undefined) return { ok: false, reason: `The base URL ${problem}.`, isTransient: false };
  const host = hostOf(new URL(text));
  if (isIP(host) !== 0) return { ok: true };
  let addresses: readonly { address: string }[];
  try {
    addresses = await withTimeout(lookupAll(host), LOOKUP_TIMEOUT_MS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOTFOUND" ? "no such host" : code === "ETIMEDOUT" ? "the resolver did not answer" : code;
    return {
      ok: false,
      reason: `The host ${host} could not be resolved (${why ?? "unknown error"}).`,
      isTransient: true,
    };
  }
  for (const { address } of addresses) {
    const refused = refusedKind(address);
    if (refused !== undefined) {
      const reason = `The base URL must not point at ${refused}: ${host} resolves to ${address}.`;
      return { ok: false, reason, isTransient: false };
    }
  }
  return { ok: true };
}

/** What kind of refused address this is, in words, or undefined when it is allowed. */
export function refusedKind(address: string): string | undefined {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (METADATA.check(address, family)) return "a cloud metadata service";
  if (LINK_LOCAL.check(address, family)) return "a link-local address";
  if (NOT_A_SERVER.check(address, family)) return "an unspecified, multicast or broadcast address";
  return undefined;
}

/** The host without IPv6 brackets or the root's trailing dot, lower case (URL already lowers names). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("lookup timed out"), { code: "ETIMEDOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
