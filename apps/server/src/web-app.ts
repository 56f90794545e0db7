import { randomBytes } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { AppEnv } from "@hearth/core";
import type { MiddlewareHandler } from "hono";

/** Where `npm run build` puts the web app: apps/web/dist, beside this package (from src/ and from dist/ alike). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
};

declare module "hono" {
  interface ContextVariableMap {
    /** The nonce of the web app's page being answered: the CSP allows <style> elements that carry it. */
    styleNonce?: string;
  }
}

/** What the web app's build writes where the page's nonce goes (apps/web/vite.config.ts). */
const NONCE_PLACEHOLDER = /HEARTH_CSP_NONCE/g;

/** Paths the app's routes own: never answered with the web app's page. */
const SERVER_PATHS = /^\/(api|v1|metrics|healthz|readyz|openapi\.json)(\/|$)/;

/**
 * Serves the built web app: its files (hashed assets cached for a year, the rest revalidated), and
 * its page for every other GET that names no file, so a reload of /c/<id> opens the app there.
 * Answers nothing when the app is not built; the server's status page stays at / then.
 */
export function webApp(dir: string): MiddlewareHandler<AppEnv> | undefined {
  const root = resolve(dir);
  let indexHtml: string;
  try {
    indexHtml = readFileSync(join(root, "index.html"), "utf8");
  } catch {
    return undefined;
  }
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    const pathname = new URL(c.req.url).pathname;
    if (SERVER_PATHS.test(pathname)) return next();
    const file = await fileAt(root, pathname);
    if (file !== undefined) {
      const isHashed = pathname.startsWith("/assets/");
      c.header("Content-Type", CONTENT_TYPES[extname(file.path)] ?? "application/octet-stream");
      c.header("Content-Length", String(file.size));
      c.header("Cache-Control", isHashed ? "public, max-age=31536000, immutable" : "no-cache");
      if (c.req.method === "HEAD") return c.body(null, 200);
      return c.body(Readable.toWeb(createReadStream(file.path)) as ReadableStream, 200);
    }
    // A path that names a file (it has an extension) and is missing is a 404, not the page.
    if (extname(pathname) !== "") return next();
    const nonce = randomBytes(16).toString("base64");
    c.set("styleNonce", nonce);
    c.header("Cache-Control", "no-cache");
    return c.html(indexHtml.replace(NONCE_PLACEHOLDER, nonce), 200);
  };
}

async function fileAt(root: string, pathname: string): Promise<{ path: string; size: number } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded === "/") return undefined;
  const path = resolve(root, `.${decoded}`);
  if (!path.startsWith(root + sep)) return undefined;
  const stats = await stat(path).catch(() => undefined);
  return stats?.isFile() ? { path, size: stats.size } : undefined;
}
