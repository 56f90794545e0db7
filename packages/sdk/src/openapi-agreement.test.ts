import { readFile } from "node:fs/promises";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument, renderSdkTypes } from "../../../scripts/sdk-types.ts";

describe("the SDK's types", () => {
  let server: TestServer;
  let live: unknown;
  beforeAll(async () => {
    server = await startTestServer();
    live = await (await fetch(`${server.url}/openapi.json`)).json();
  });
  afterAll(() => server.close());

  it("are what a running server's /openapi.json renders to: the SDK cannot drift from the API", async () => {
    const generated = await readFile(new URL("./generated/openapi.ts", import.meta.url), "utf8");
    expect(await renderSdkTypes(live)).toBe(generated);
  });

  it("are generated from the same document the server publishes", async () => {
    expect(await buildOpenApiDocument()).toEqual(live);
  });
});
