import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("the SDK in a browser", () => {
  it("bundles for the browser with no Node-only import, and its exports are all it keeps when unused", async () => {
    const entry = fileURLToPath(new URL("./index.ts", import.meta.url));
    const bundled = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(bundled.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith("node:") || !input.includes("/"))).toEqual([]);
    // Importing nothing from it bundles to nothing: the package is free of side effects.
    const unused = await build({
      stdin: { contents: `import "${entry}";`, resolveDir: process.cwd(), loader: "ts" },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      minify: true,
      logLevel: "silent",
    });
    expect(unused.outputFiles[0]?.text.trim()).toBe("");
  });
});
