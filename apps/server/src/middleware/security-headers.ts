import type { AppEnv } from "@hearth/core";
import type { MiddlewareHandler } from "hono";

/**
 * The headers every response carries, Hono's and the ones Node's HTTP parser writes itself when it
 * rejects a request (client-error.ts): one list, so neither path can drift from the other.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // No inline script anywhere: the web app ships its scripts as files from our own origin.
  "Content-Security-Policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Origin-Agent-Cluster": "?1",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "X-DNS-Prefetch-Control": "off",
  "X-Download-Options": "noopen",
  "X-Frame-Options": "DENY",
  "X-Permitted-Cross-Domain-Policies": "none",
  // The old XSS auditors did more harm than good; "0" turns them off.
  "X-XSS-Protection": "0",
};

/** CSP, nosniff, framing and referrer headers on every response; HSTS when served over HTTPS. */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  // The web app's page: libraries it uses insert <style> elements, allowed by this page's nonce alone.
  const nonce = c.get("styleNonce");
  if (nonce !== undefined) {
    const policy = SECURITY_HEADERS["Content-Security-Policy"] ?? "";
    c.res.headers.set(
      "Content-Security-Policy",
      policy.replace("style-src 'self'", `style-src 'self' 'nonce-${nonce}'`),
    );
  }
  // Sent only over HTTPS: over plain HTTP it would be ignored, or pin a dev host to HTTPS.
  if (c.var.isSecureRequest) c.header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
};
