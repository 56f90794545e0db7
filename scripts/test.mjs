// `npm test`: under a supported Node (fetching Node 24 where the machine's is older), install what is
// missing, generate the SDK's types, then lint, type-check, check the SDK's package and run Vitest with the
// arguments given after `--`.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { useSupportedNode } from "./supported-node.mjs";

await useSupportedNode();
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const steps = [
  [process.execPath, [join(root, "scripts/ensure-deps.mjs")]],
  [process.execPath, [join(root, "scripts/generate-sdk-types.mjs")]],
  [bin("biome"), ["check", "."]],
  [bin("knip"), []],
  [bin("tsc"), ["-p", "tsconfig.json"]],
  [bin("tsc"), ["-p", "apps/web/tsconfig.json"]],
  // Packs @hearth/sdk and uses the tarball under plain Node; before Vitest, as packing swaps its manifest.
  [process.execPath, [join(root, "packages/sdk/scripts/check-package.mjs")]],
  [bin("vite"), ["build", "--logLevel", "warn", "apps/web"]],
  [bin("vitest"), ["run", ...process.argv.slice(2)]],
];
for (const [file, args] of steps) {
  const result = spawnSync(file, args, { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
