import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHearth } from "../testing/run-hearth.ts";

describe("hearth config, reading the configuration with the server's own schema", () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-config-"));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it("accepts a valid config file", async () => {
    const file = join(workDir, "valid.json");
    await writeFile(file, JSON.stringify({ server: { port: 3000 }, chat: { maxReplyTokens: 512 } }));
    const check = await runHearth(["config", "check", file]);
    expect(check).toEqual({ code: 0, stdout: `${file} is valid.\n`, stderr: "" });
    const json = await runHearth(["config", "check", file, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ file, isValid: true, errors: [] });
  });

  it("lists every problem of an invalid file and exits 1", async () => {
    const file = join(workDir, "invalid.json");
    await writeFile(file, JSON.stringify({ server: { port: "eighty" }, chat: { maxReplyTokens: 0 }, colour: "blue" }));
    const check = await runHearth(["config", "check", file]);
    expect(check.code).toBe(1);
    expect(check.stdout).toBe("");
    const [first, ...problems] = check.stderr.trimEnd().split("\n");
    expect(first).toBe(`hearth: ${file} is invalid (3 problems)`);
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/server\.port/);
    expect(problems.join("\n")).toMatch(/chat\.maxReplyTokens/);
    expect(problems.join("\n")).toMatch(/colour/);

    const json = await runHearth(["config", "check", file, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ file, isValid: false, errors: expect.any(Array) });
    expect(JSON.parse(json.stdout).errors).toHaveLength(3);

    const missing = await runHearth(["config", "check", join(workDir, "missing.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing\.json/);
  });

  it("prints the configuration serve would start with, from the flags and variables, with secrets redacted", async () => {
    const printed = await runHearth(
      [
        "config",
        "print",
        "--port",
        "3123",
        "--data-dir",
        workDir,
        "--database-url",
        "postgres://hearth:secret@db/hearth",
      ],
      { env: { HEARTH_LOG_LEVEL: "debug" } },
    );
    expect(printed.code).toBe(0);
    const config = JSON.parse(printed.stdout);
    expect(config).toMatchObject({ server: { port: 3123 }, dataDir: workDir, log: { level: "debug" } });
    expect(config.databaseUrl).toBe("[redacted]");
    expect(printed.stdout).not.toContain("secret@");

    const wrong = await runHearth(["config", "print", "--port", "many"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^hearth: the configuration is invalid \(1 problem\)\n {2}- .*port/);
  });
});
