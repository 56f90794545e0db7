// Checks @hearth/sdk as it would be published: packs it (`npm pack -w @hearth/sdk`), installs the
// tarball into an empty project, and uses it there under plain Node (which never strips TypeScript
// under node_modules, so the sources cannot stand in for the build) and under tsc with Node's module
// resolution. Also checks that packing put the repo's manifest back. `npm test` runs it first.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(packageDir, "../..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Uses the package at run time: a typed call answered, and a problem thrown, narrowed and caught. */
const USE_JS = `
import { createHearthClient, isHearthError, unwrap } from "@hearth/sdk";
const answer = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const client = createHearthClient({
  baseUrl: "http://hearth.invalid",
  fetch: async (request) =>
    new URL(request.url).pathname === "/api/setup"
      ? answer(200, { isSetup: true })
      : answer(404, { type: "about:blank", title: "Not found", status: 404, detail: "No such conversation.", code: "conversation-not-found" }),
});
if (unwrap(await client.api.GET("/api/setup")).isSetup !== true) throw new Error("GET /api/setup was not answered");
const thrown = await client.api.GET("/api/conversations/{id}", { params: { path: { id: "x" } } }).then(unwrap).catch((error) => error);
if (!isHearthError(thrown, "conversation-not-found")) throw new Error(\`unexpected \${thrown}\`);
`;

/** Uses the package's types: a real route, a problem code, an optional defaulted field, and a route that is not there. */
const USE_TS = `
import { createHearthClient, type components } from "@hearth/sdk";
const client = createHearthClient({ baseUrl: "http://hearth.invalid" });
const result = await client.api.GET("/api/conversations/{id}", { params: { path: { id: "x" } } });
if (result.error) {
  const code: "conversation-not-found" | "internal-error" | "node-draining" | "payload-too-large" | "service-starting" | "unauthenticated" | "validation-failed" = result.error.code;
  console.log(code);
}
const provider: components["schemas"]["CreateProviderInput"] = { id: "p", kind: "ollama", baseUrl: "http://127.0.0.1:11434/v1" };
console.log(provider);
// @ts-expect-error: the API has no such route
await client.api.GET("/api/no-such-route");
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2023",
    lib: ["es2023", "dom"],
    types: [],
  },
  files: ["use.ts"],
};

const work = await mkdtemp(join(tmpdir(), "hearth-sdk-package-"));
try {
  const tarball = pack(work);
  await expectRepoManifest();
  const project = join(work, "project");
  await mkdir(project);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "uses-sdk", private: true, type: "module" }));
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", tarball], project);
  await writeFile(join(project, "use.mjs"), USE_JS);
  run(process.execPath, ["use.mjs"], project);
  await writeFile(join(project, "use.ts"), USE_TS);
  await writeFile(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG));
  run(process.execPath, [tsc, "-p", "tsconfig.json"], project);
  console.error("@hearth/sdk packs, installs and works under plain Node and tsc.");
} finally {
  await rm(work, { recursive: true, force: true });
}

function pack(destination) {
  const packed = run("npm", ["pack", "-w", "@hearth/sdk", "--pack-destination", destination, "--json"], root);
  const [{ filename }] = JSON.parse(packed);
  return join(destination, filename);
}

async function expectRepoManifest() {
  const manifest = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8"));
  if (manifest.exports?.["."] !== "./src/index.ts") {
    throw new Error(`packing left packages/sdk/package.json pointing at ${JSON.stringify(manifest.exports)}`);
  }
}

/** Runs a command; its output goes to stderr, but stdout is returned (npm pack --json). */
function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    shell: process.platform === "win32",
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? "");
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (${result.status ?? result.signal})`);
  }
  return result.stdout;
}
