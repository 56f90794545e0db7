// Writes packages/sdk/src/generated/openapi.ts (git-ignored) from the server app's OpenAPI document,
// built in-process. npm test, npm run build (and so npm start) run it before type-checking.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "packages/sdk/src/generated/openapi.ts");

const { buildOpenApiDocument, renderSdkTypes } = await tsImport("./sdk-types.ts", import.meta.url);
const text = await renderSdkTypes(await buildOpenApiDocument());
const current = await readFile(target, "utf8").catch(() => undefined);
if (current !== text) {
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
}
