import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHearth } from "../testing/run-hearth.ts";

const hasShell = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

describe("hearth completion", () => {
  let workDir: string;
  const scripts: Record<string, string> = {};
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-completion-"));
    for (const shell of ["bash", "zsh", "fish"]) {
      const run = await runHearth(["completion", shell]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      scripts[shell] = run.stdout;
      await writeFile(join(workDir, `hearth.${shell}`), run.stdout);
    }
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  /** What bash's completion offers for the words typed so far (the last one being completed). */
  function bashCompletes(...words: string[]): string[] {
    const script = `source ${join(workDir, "hearth.bash")}
COMP_WORDS=(hearth ${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length}
_hearth; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    return result.stdout.split("\n").filter(Boolean);
  }

  it("writes a bash script that bash -n accepts and that completes commands, subcommands and options", () => {
    expect(spawnSync("bash", ["-n", join(workDir, "hearth.bash")]).status).toBe(0);
    expect(bashCompletes("")).toEqual(
      expect.arrayContaining(["conversations", "login", "models", "completion", "help"]),
    );
    expect(bashCompletes("co").sort()).toEqual(["completion", "config", "conversations"]);
    expect(bashCompletes("conversations", "")).toEqual(["list", "show", "export", "rm", "restore", "pin", "unpin"]);
    expect(bashCompletes("--json", "conversations", "export", "abc", "--")).toEqual(
      expect.arrayContaining(["--format", "--branch", "--output", "--json", "--server", "--help"]),
    );
    expect(bashCompletes("keys", "re")).toEqual(["revoke"]);
  });

  it.skipIf(!hasShell("zsh"))("writes a zsh script that zsh -n accepts", () => {
    const result = spawnSync("zsh", ["-n", join(workDir, "hearth.zsh")], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(scripts.zsh).toMatch(/^#compdef hearth\n/);
  });

  it.skipIf(!hasShell("fish"))(
    "writes a fish script that fish --no-execute accepts and that completes subcommands",
    () => {
      const file = join(workDir, "hearth.fish");
      expect(spawnSync("fish", ["--no-execute", file]).status).toBe(0);
      const complete = (line: string) =>
        spawnSync("fish", ["-c", `source ${file}; complete --do-complete '${line}'`], { encoding: "utf8" })
          .stdout.split("\n")
          .map((entry) => entry.split("\t")[0]);
      expect(complete("hearth conversations ")).toEqual(
        expect.arrayContaining(["list", "show", "export", "rm", "restore", "pin", "unpin"]),
      );
      expect(complete("hearth models inspect --")).toEqual(expect.arrayContaining(["--json", "--server"]));
    },
  );

  it("refuses a shell it does not know with a usage error", async () => {
    const run = await runHearth(["completion", "powershell"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^hearth: command-argument value 'powershell' is invalid/);
  });
});
