import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADDRESS_REFUSED, createProviderFetch, providerFetch } from "./provider-fetch.ts";

describe("providerFetch", () => {
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
    await expect(providerFetch(`${base}/v1/models`)).rejects.toThrow(TypeError);
    expect((await fetch(`${base}/v1/models`)).url).toBe(`${base}/elsewhere`);
  });

  it("answers what a provider answers without a redirect", async () => {
    const response = await providerFetch(`${base}/v1/other`, { headers: { Accept: "application/json" } });
    expect(await response.json()).toEqual({ object: "list", data: [] });
  });

  it("refuses to connect where a name resolves at connection time to a metadata address (DNS rebinding)", async () => {
    const port = new URL(base).port;
    // The name passed the URL check once; now it answers with the metadata service's address.
    const rebound = createProviderFetch(async (hostname) =>
      hostname === "rebound.test" ? [{ address: "169.254.169.254", family: 4 }] : [{ address: "127.0.0.1", family: 4 }],
    );
    const failure = await rebound(`http://rebound.test:${port}/v1/other`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    const cause = (failure as TypeError).cause as NodeJS.ErrnoException;
    expect(cause.code).toBe(ADDRESS_REFUSED);
    expect(cause.message).toBe("rebound.test now resolves to 169.254.169.254, a cloud metadata service: refused");
    const allowed = await rebound(`http://allowed.test:${port}/v1/other`);
    expect(await allowed.json()).toEqual({ object: "list", data: [] });
  });

  it("refuses a name with any refused address among several, since a client may pick any of them", async () => {
    const port = new URL(base).port;
    const mixed = createProviderFetch(async () => [
      { address: "127.0.0.1", family: 4 },
      { address: "fe80::1", family: 6 },
    ]);
    await expect(mixed(`http://mixed.test:${port}/v1/other`)).rejects.toMatchObject({
      cause: { code: ADDRESS_REFUSED },
    });
  });
});
