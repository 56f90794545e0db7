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

/** The first `code` (ECONNREFUSED, UND_ERR_SOCKET …) along an error's cause chain. */
function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
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
  const code = findErrorCode(error);
  switch (code) {
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
