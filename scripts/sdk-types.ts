// The SDK's types, rendered from the OpenAPI document by openapi-typescript. generate-sdk-types.mjs
// writes them from the app's document; the SDK's agreement test renders them again from a running
// server's /openapi.json and compares, so the SDK cannot drift from the API it calls.
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { createApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config.ts";
import { createLogger } from "../apps/server/src/logger.ts";
import { createMetrics } from "../apps/server/src/metrics.ts";

const HEADER = "// Generated from Hearth's /openapi.json by scripts/generate-sdk-types.mjs: do not edit.\n";

/** The app's /openapi.json, built in-process: no database, engine or port. */
export async function buildOpenApiDocument(): Promise<unknown> {
  const loaded = loadConfig({ argv: [], env: {}, cwd: process.cwd() });
  if (loaded.ok !== true) throw new Error(`the default configuration is invalid: ${JSON.stringify(loaded)}`);
  // The document is made of the routes alone; the engine, chat runtime, providers and the rest are
  // only reached by handling a request under /api or /v1, which this app never sees.
  const app = createApp({
    config: loaded.config,
    logger: createLogger("silent"),
    clock: { now: () => new Date() },
    metrics: createMetrics(),
    database: () => undefined,
  } as unknown as Parameters<typeof createApp>[0]);
  const response = await app.request("/openapi.json");
  if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
  return response.json();
}

/** The TypeScript the SDK is typed by: `paths`, `components` and `operations` of the document. */
export async function renderSdkTypes(document: unknown): Promise<string> {
  // A copy: openapi-typescript writes into the document it is given (descriptions of discriminators).
  // defaultNonNullable off: a field with a default that the document does not require (a request
  // body's `enabled: true`) stays optional, as the server accepts it; by default it would be required.
  const ast = await openapiTS(structuredClone(document) as OpenAPI3, { alphabetize: true, defaultNonNullable: false });
  return HEADER + astToString(ast);
}
