// `npm start`: under a supported Node (fetching Node 24 where the machine's is older), install what is missing, build, then run the server with the given flags.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { useSupportedNode } from "./supported-node.mjs";

await useSupportedNode();

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (args) => {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

run([join(root, "scripts/ensure-deps.mjs")]);
run([join(root, "scripts/build.mjs")]);
// The server replaces nothing of this process's: importing it runs it here, so signals reach it directly.
await import(join(root, "apps/server/dist/main.js"));
