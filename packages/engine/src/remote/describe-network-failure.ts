/** A URL as it may be shown in a message: without the user name and password it may carry. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "the configured address";
  }
}

/** Replaces every occurrence of a secret (an API key) in a text that may be shown or logged. */
export function redact(text: string, secret: string | undefined): string {
  return secret ? text.replaceAll(secret, "[redacted]") : text;
}

/** The first error with a `code` (ECONNREFUSED, UND_ERR_SOCKET …) along an error's cause chain. */
function findCodedError(error: unknown): (Error & { code: string }) | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (typeof (current as { code?: unknown }).code === "string") return current as Error & { code: string };
    current = current.cause;
  }
  return undefined;
}

/**
 * A sentence a person can act on for a request that got no complete answer from `url`. fetch
 * reports every transport failure as "fetch failed"; the reason is in its cause's code.
 */
export function describeNetworkFailure(error: unknown, url: string): string {
  const where = displayUrl(url);
  const coded = findCodedError(error);
  const code = coded?.code;
  switch (code) {
    // The host resolved, at connection time, to an address providers may not reach (Hearth's fetch).
    case "ERR_ADDRESS_REFUSED":
      return `${where} could not be reached: ${coded?.message}.`;
    case "ECONNREFUSED":
      return `Connection refused at ${where}.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `The host of ${where} could not be resolved.`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where} cannot be reached from this machine.`;
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `Connecting to ${where} timed out.`;
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
      return `${where} closed the connection before its answer was complete.`;
    default:
      if (code?.includes("CERT") || code?.startsWith("ERR_TLS"))
        return `The TLS handshake with ${where} failed (${code}).`;
      return `${where} could not be reached (${code ?? (error instanceof Error ? error.message : String(error))}).`;
  }
}
