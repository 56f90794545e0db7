// `npm pack` / `npm publish` of @hearth/sdk. In the repo the manifest's exports name the TypeScript
// sources, which vitest, tsx, tsc, esbuild and Node's type stripping read without a build; a package
// installed from the registry needs JavaScript and declarations instead. So `prepack` (`before`)
// builds dist/ (ESM .js and .d.ts from src/, the SDK's types generated first) and points the
// manifest at it, and `postpack` (`after`) puts the repo's manifest back, byte for byte.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(packageDir, "../..");
const manifestPath = join(packageDir, "package.json");
// Out of the tarball (npm never packs node_modules) and out of git's sight.
const keptManifestPath = join(packageDir, "node_modules/.cache/hearth-sdk-pack/package.json");

const PUBLISHED_ENTRY = { types: "./dist/index.d.ts", import: "./dist/index.js", default: "./dist/index.js" };

const step = process.argv[2];
if (step === "before") await before();
else if (step === "after") await restoreManifest();
else throw new Error(`usage: node scripts/pack.mjs before|after (got ${step})`);

async function before() {
  // A pack that failed halfway left the published manifest in place: start from the repo's.
  await restoreManifest();
  run(join(root, "scripts/generate-sdk-types.mjs"));
  await rm(join(packageDir, "dist"), { recursive: true, force: true });
  run(createRequire(import.meta.url).resolve("typescript/bin/tsc"), "-p", join(packageDir, "tsconfig.build.json"));
  const text = await readFile(manifestPath, "utf8");
  await mkdir(dirname(keptManifestPath), { recursive: true });
  await writeFile(keptManifestPath, text);
  // Its scripts (these) and devDependencies are the repo's business, not an installer's.
  const { scripts: _scripts, devDependencies: _devDependencies, ...manifest } = JSON.parse(text);
  const published = {
    ...manifest,
    main: PUBLISHED_ENTRY.import,
    types: PUBLISHED_ENTRY.types,
    exports: { ".": PUBLISHED_ENTRY },
  };
  await writeAtomically(manifestPath, `${JSON.stringify(published, null, 2)}\n`);
}

async function restoreManifest() {
  if (!existsSync(keptManifestPath)) return;
  await writeAtomically(manifestPath, await readFile(keptManifestPath, "utf8"));
  await rm(keptManifestPath);
}

/** Replaces a file in one step, so nothing reading the manifest meanwhile sees half of it. */
async function writeAtomically(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

function run(script, ...args) {
  // Their output goes to stderr: stdout is npm pack --json's.
  const result = spawnSync(process.execPath, [script, ...args], { cwd: packageDir, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error(`${script} ${args.join(" ")} failed (${result.status ?? result.signal})`);
}
