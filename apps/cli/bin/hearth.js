#!/usr/bin/env node
// The `hearth` command. In a checkout it runs the TypeScript sources directly (Node strips their
// types), so it is never out of date; an installed package runs the bundle scripts/build.mjs makes.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) await runUnderCheckoutNode();

const source = new URL("../src/main.ts", import.meta.url);
const bundle = new URL("../dist/hearth.js", import.meta.url);
// process.features.typescript: Node 22.18+ and 23.6+ run .ts files (type stripping) without flags.
if (existsSync(source) && process.features.typescript) await import(source.href);
else if (existsSync(bundle)) await import(bundle.href);
else {
  process.stderr.write(
    "hearth: this Node cannot run TypeScript and no bundle is built: run npm run build, or use Node 22.18 or newer.\n",
  );
  process.exit(1);
}

/**
 * On a Node older than 22.12: in a checkout where npm start or npm test fetched Node 24 into
 * .cache/node, runs this same command under it; elsewhere says what is needed. Never returns.
 */
async function runUnderCheckoutNode() {
  const checkoutNode = fileURLToPath(
    new URL(`../../../.cache/node/bin/${process.platform === "win32" ? "node.exe" : "node"}`, import.meta.url),
  );
  if (!existsSync(checkoutNode)) {
    process.stderr.write(
      `hearth: needs Node.js 22.12 or newer; this is Node ${process.versions.node}. Install Node 24, or run npm start once in a Hearth checkout, which fetches it into .cache/node.\n`,
    );
    process.exit(1);
  }
  const child = spawn(checkoutNode, process.argv.slice(1), { stdio: "inherit" });
  // Ctrl+C reaches the child from the terminal by itself (hearth chat stops a reply with it): this
  // process only waits. A signal sent to this process alone is passed on.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  const [code, signal] = await new Promise((resolve) => child.on("exit", (...outcome) => resolve(outcome)));
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}
