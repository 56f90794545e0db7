import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWithoutRedirects } from "./fetch-without-redirects.ts";

describe("fetchWithoutRedirects", () => {
  const server = createServer((request, response) => {
    if (request.url === "/v1/models") {
      response.writeHead(302, { Location: "/elsewhere" }).end();
    } else {
      response.writeHead(200, { "Content-Type": "application/json" }).end('{"object":"list","data":[]}');
    }
  });
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("refuses to follow a provider's redirect, which could lead past the URL check", async () => {
    await expect(fetchWithoutRedirects(`${base}/v1/models`)).rejects.toThrow(TypeError);
    expect((await fetch(`${base}/v1/models`)).url).toBe(`${base}/elsewhere`);
  });

  it("answers what a provider answers without a redirect", async () => {
    const response = await fetchWithoutRedirects(`${base}/v1/other`, { headers: { Accept: "application/json" } });
    expect(await response.json()).toEqual({ object: "list", data: [] });
  });
});
