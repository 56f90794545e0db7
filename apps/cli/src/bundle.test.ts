import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHearthClient, unwrap } from "@hearth/sdk";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCli } from "../bundle.mjs";
import { runHearth } from "./testing/run-hearth.ts";

describe("the bundled hearth command, installed where no checkout and no node_modules are", () => {
  let installDir: string;
  let server: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    // An installed package's layout: bin/hearth.js and dist/hearth.js, no sources.
    installDir = await mkdtemp(join(tmpdir(), "hearth-cli-installed-"));
    await mkdir(join(installDir, "bin"));
    await copyFile(new URL("../bin/hearth.js", import.meta.url), join(installDir, "bin", "hearth.js"));
    await bundleCli(join(installDir, "dist", "hearth.js"));
    server = await startTestServer();
    const admin = createHearthClient({ baseUrl: server.url });
    unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
    unwrap(await admin.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
    const { key } = unwrap(await admin.api.POST("/api/api-keys", { body: { name: "bundle" } }));
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: key, HEARTH_CONFIG_DIR: join(installDir, "config") };
  });
  afterAll(async () => {
    await server.close();
    await rm(installDir, { recursive: true, force: true });
  });

  const bin = () => join(installDir, "bin", "hearth.js");

  it("runs from the bundle alone: help, and a command against a real server", async () => {
    const help = await runHearth(["--help"], { bin: bin() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: hearth [options] [command]");
    expect(help.stdout).toContain("Exit codes:");
    const whoami = await runHearth(["whoami", "--json"], { bin: bin(), env });
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ user: { username: ADMIN.username } });
  });

  it("says that serve and config need a Hearth checkout", async () => {
    const serve = await runHearth(["serve"], { bin: bin(), env });
    expect(serve).toEqual({
      code: 1,
      stdout: "",
      stderr: "hearth: hearth serve runs in a Hearth checkout, and none was found around this command\n",
    });
    const check = await runHearth(["config", "check", "hearth.config.json"], { bin: bin(), env });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^hearth: hearth config check runs in a Hearth checkout/);
  });
});
