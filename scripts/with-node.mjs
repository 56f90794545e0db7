// `node scripts/with-node.mjs <command> [args…]`: runs a command under a supported Node (fetching
// Node 24 where the machine's is older) once dependencies are installed. npm scripts use it for the
// tools that run our TypeScript (bench, make-test-model, build-llama).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { useSupportedNode } from "./supported-node.mjs";

await useSupportedNode();
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [command, ...args] = process.argv.slice(2);
for (const [file, fileArgs] of [
  [process.execPath, [join(root, "scripts/ensure-deps.mjs")]],
  [command, args],
]) {
  const result = spawnSync(file, fileArgs, { stdio: "inherit", shell: process.platform === "win32" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
