import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./testing/index.ts";

const PAGE = '<!doctype html><title>web app</title><meta property="csp-nonce" nonce="HEARTH_CSP_NONCE">';

describe("the web app as the server serves it", () => {
  let server: TestServer;
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "hearth-web-"));
    const webDir = join(parent, "dist");
    await mkdir(join(webDir, "assets"), { recursive: true });
    await writeFile(join(webDir, "index.html"), PAGE);
    await writeFile(join(webDir, "assets", "index-abc123.js"), "console.log(1)");
    await writeFile(join(webDir, "manifest.webmanifest"), "{}");
    await writeFile(join(parent, "secret.txt"), "outside");
    server = await startTestServer({ server: { webDir } });
  });
  afterAll(async () => {
    await server.close();
    await rm(parent, { recursive: true, force: true });
  });

  it("answers its page at / and at any app route, revalidated each time", async () => {
    for (const path of ["/", "/c/0b6c1f2e-0000-4000-8000-000000000000", "/settings/keys"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await response.text()).toMatch(
        /^<!doctype html><title>web app<\/title><meta property="csp-nonce" nonce="[A-Za-z0-9+/=]{24}">$/,
      );
    }
  });

  it("gives every page a fresh nonce, the only one the CSP allows for <style> elements", async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.url}/`);
      const nonce = /nonce="([^"]+)"/.exec(await response.text())?.[1] ?? "";
      expect(response.headers.get("content-security-policy")).toContain(`style-src 'self' 'nonce-${nonce}'`);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(3);
    const api = await fetch(`${server.url}/healthz`);
    expect(api.headers.get("content-security-policy")).toContain("style-src 'self';");
  });

  it("serves hashed assets cached for a year and other files revalidated, with their types", async () => {
    const asset = await fetch(`${server.url}/assets/index-abc123.js`);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(await asset.text()).toBe("console.log(1)");
    const manifest = await fetch(`${server.url}/manifest.webmanifest`);
    expect(manifest.headers.get("content-type")).toMatch(/^application\/manifest\+json/);
    expect(manifest.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers 404 for a missing file, and never a file outside its folder", async () => {
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    for (const path of [
      "/..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/%00.js",
      "/%E0%A4%A.js",
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("outside");
    }
  });

  it("leaves the API's paths to the API", async () => {
    const response = await fetch(`${server.url}/api/no-such-thing`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${server.url}/healthz`)).headers.get("content-type")).toMatch(/json/);
  });
});
