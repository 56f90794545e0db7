// Bundles the server and our workspace packages into apps/server/dist/main.js. Third-party
// packages stay external (native addons and PGlite's wasm load from node_modules).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

await build({
  entryPoints: [join(root, "apps/server/src/main.ts")],
  outfile: join(root, "apps/server/dist/main.js"),
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "external-dependencies",
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@hearth/") ? undefined : { external: true },
        );
      },
    },
  ],
});
