import type { AppEnv } from "@hearth/core";
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

const baseHeaders = secureHeaders({
  // No inline script anywhere: the web app ships its scripts as files from our own origin.
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:", "blob:"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "same-origin",
  // Sent only over HTTPS, below: over plain HTTP it would be ignored, or pin a dev host to HTTPS.
  strictTransportSecurity: false,
});

/** CSP, nosniff, framing and referrer headers on every response; HSTS when served over HTTPS. */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await baseHeaders(c, async () => {
    await next();
    if (c.var.isSecureRequest) c.header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  });
};
