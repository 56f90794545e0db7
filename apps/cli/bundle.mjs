// Bundles the hearth command into one file (apps/cli/dist/hearth.js by default) that runs without
// node_modules: what an installed @hearth/cli runs, since Node strips no types under node_modules.
// scripts/build.mjs calls it; the CLI's bundle test too.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

/** Writes the bundle to `outfile`. */
export async function bundleCli(outfile = join(here, "dist", "hearth.js")) {
  await build({
    entryPoints: [join(here, "src", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    logLevel: "warning",
    // tsx loads the server's config module, and only in a checkout (hearth config): never bundled.
    external: ["tsx", "tsx/*"],
  });
}
