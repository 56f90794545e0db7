// Bundles the server and our workspace packages into apps/server/dist/main.js, and the llama.cpp
// engine's process (EngineProcess forks it from beside main.js) into apps/server/dist/engine-child.js.
// Third-party packages stay external (native addons and PGlite's wasm load from node_modules). Then
// the hearth command into apps/cli/dist/hearth.js (apps/cli/bundle.mjs), and the web app into
// apps/web/dist (Vite), which the server serves at /.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bundleCli } from "../apps/cli/bundle.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The SDK's types (git-ignored) first: they are generated from the server's routes.
const generated = spawnSync(process.execPath, [join(root, "scripts/generate-sdk-types.mjs")], { stdio: "inherit" });
if (generated.status !== 0) process.exit(generated.status ?? 1);

await build({
  entryPoints: {
    main: join(root, "apps/server/src/main.ts"),
    "engine-child": join(root, "packages/engine/src/engine-process/engine-child.ts"),
  },
  outdir: join(root, "apps/server/dist"),
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

// The hearth command, in one file for an installed @hearth/cli (a checkout runs its sources).
await bundleCli();

const vite = join(root, "node_modules", ".bin", process.platform === "win32" ? "vite.cmd" : "vite");
const web = spawnSync(vite, ["build", "--logLevel", "warn"], {
  cwd: join(root, "apps/web"),
  stdio: "inherit",
  shell: process.platform === "win32",
});
if (web.status !== 0) process.exit(web.status ?? 1);
