import { lookup } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import { type LookupAll, refusedKind } from "./provider-url.ts";
import { outgoingVia, VIA_HEADER } from "./request-chain.ts";

/** The code of the error a provider's connection fails with when its host resolves to a refused address. */
export const ADDRESS_REFUSED = "ERR_ADDRESS_REFUSED";

const systemLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) =>
    lookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/**
 * The lookup a provider's sockets connect with: the addresses a name resolves to at the moment of
 * connecting are checked like the base URL was, so a name that starts resolving to a metadata or
 * link-local address after the URL check (DNS rebinding) cannot lead a request there.
 */
function checkedLookup(lookupAll: LookupAll): LookupFunction {
  return (hostname, options, callback) => {
    lookupAll(hostname).then(
      (addresses) => {
        const refused = addresses.find(({ address }) => refusedKind(address) !== undefined);
        const first = addresses[0];
        if (refused !== undefined || first === undefined) {
          const why =
            refused === undefined
              ? `${hostname} resolves to no address`
              : `${hostname} now resolves to ${refused.address}, ${refusedKind(refused.address)}`;
          const error: NodeJS.ErrnoException = Object.assign(new Error(`${why}: refused`), { code: ADDRESS_REFUSED });
          callback(error, "", 0);
        } else if (options.all) {
          (callback as unknown as (error: null, addresses: readonly object[]) => void)(null, addresses);
        } else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}

/**
 * The fetch providers call through. It refuses redirects: their base URL is checked, but a server at
 * an allowed address could answer `302 Location: http://169.254.169.254/…` and fetch would follow it
 * past the check; a provider has no reason to redirect its API calls. Its connections resolve names
 * through `checkedLookup`, so the check holds at every connection, not only when it was made. And
 * within a request, it sends `Hearth-Via` (request-chain.ts), so a provider leading back here is refused.
 */
export function createProviderFetch(lookupAll: LookupAll = systemLookupAll): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: checkedLookup(lookupAll) } });
  // undici's own fetch with its own Agent: Node's global fetch bundles another copy of undici, whose
  // version need not match the package's.
  const fetchThrough = undiciFetch as unknown as (input: unknown, init: object) => Promise<Response>;
  return (input, init) => {
    const via = outgoingVia();
    if (via === undefined) return fetchThrough(input, { ...init, redirect: "error", dispatcher });
    const headers = new Headers(init?.headers);
    headers.set(VIA_HEADER, via);
    return fetchThrough(input, { ...init, headers, redirect: "error", dispatcher });
  };
}

/** The fetch for providers, with the system's resolver. */
export const providerFetch: typeof fetch = createProviderFetch();
