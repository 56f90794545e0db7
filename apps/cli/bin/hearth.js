#!/usr/bin/env node
// The `hearth` command. In a checkout it runs the TypeScript sources directly (Node strips their
// types), so it is never out of date; an installed package runs the bundle scripts/build.mjs makes.
import { existsSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `hearth: needs Node.js 22.12 or newer; this is Node ${process.versions.node}.` +
      " In a Hearth checkout, npm start and npm test fetch Node 24 into .cache/node: run .cache/node/bin/node apps/cli/bin/hearth.js.\n",
  );
  process.exit(1);
}

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
