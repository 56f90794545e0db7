// Installs dependencies when node_modules is missing or older than the lockfile, so `npm start`
// and `npm test` work on a fresh clone. Uses only Node's standard library: it runs before any install.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lockfile = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");

const isStale =
  !existsSync(installed) || (existsSync(lockfile) && statSync(lockfile).mtimeMs > statSync(installed).mtimeMs);
if (isStale) {
  const command = existsSync(lockfile) && !existsSync(join(root, "node_modules")) ? "ci" : "install";
  console.error(`Installing dependencies (npm ${command})…`);
  const result = spawnSync("npm", [command, "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
