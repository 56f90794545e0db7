/** The header a cookie-authenticated mutation must carry, holding the session's CSRF token. */
export const CSRF_HEADER = "X-CSRF-Token";

/**
 * What a client signed in by password holds: the session's CSRF token and, where the runtime has
 * no cookie jar (Node, Deno, Bun), the cookies themselves. A browser keeps the cookie itself, out of
 * reach of scripts; there `cookies` stays empty and only the CSRF token is kept.
 */
export class Session {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  /** The Cookie header to send, or undefined when no cookie is held. */
  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Takes the cookies a response sets (expired ones are dropped) and a rotated CSRF token. */
  take(headers: Headers): void {
    // getSetCookie is missing from older fetch polyfills, and a browser never exposes Set-Cookie.
    for (const line of headers.getSetCookie?.() ?? []) {
      const [pair = "", ...attributes] = line.split(";");
      const separator = pair.indexOf("=");
      if (separator <= 0) continue;
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const isExpired = attributes.some((attribute) => /^\s*max-age\s*=\s*0\s*$/i.test(attribute));
      if (value === "" || isExpired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const rotated = headers.get(CSRF_HEADER);
    if (rotated) this.csrfToken = rotated;
  }

  clear(): void {
    this.cookies.clear();
    this.csrfToken = undefined;
  }
}
