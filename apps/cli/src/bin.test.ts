import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/hearth.js", import.meta.url));
/** Where npm start and npm test fetch Node 24 in a checkout; CI may put its Node 24 elsewhere. */
const CHECKOUT_NODE = fileURLToPath(new URL("../../../.cache/node/bin/node", import.meta.url));

/** A Node older than 22.12 on this machine (the system's, where npm start fetched Node 24 beside it), if any. */
function oldNode(): string | undefined {
  const version = spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" }).stdout?.trim();
  const match = /^v(\d+)\.(\d+)\./.exec(version ?? "");
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major < 22 || (major === 22 && minor < 12) ? "/usr/bin/node" : undefined;
}

describe.skipIf(oldNode() === undefined)("the hearth bin on a Node older than 22.12", () => {
  it.skipIf(!existsSync(CHECKOUT_NODE))(
    "runs under the checkout's Node 24 (.cache/node), with the exit code passed back",
    () => {
      const version = spawnSync(oldNode() as string, [BIN, "--version"], { encoding: "utf8" });
      expect(version).toMatchObject({ status: 0, stdout: "0.1.0\n" });
      const usage = spawnSync(oldNode() as string, [BIN, "bogus"], { encoding: "utf8" });
      expect(usage.status).toBe(2);
    },
  );

  it("says which Node it needs where no checkout holds one", async () => {
    const installed = await mkdtemp(join(tmpdir(), "hearth-cli-old-node-"));
    try {
      await mkdir(join(installed, "bin"));
      await copyFile(BIN, join(installed, "bin", "hearth.js"));
      const run = spawnSync(oldNode() as string, [join(installed, "bin", "hearth.js"), "--version"], {
        encoding: "utf8",
      });
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/^hearth: needs Node\.js 22\.12 or newer; this is Node \d+\./);
    } finally {
      await rm(installed, { recursive: true, force: true });
    }
  });
});
