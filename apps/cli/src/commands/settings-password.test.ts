import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { canRunOnTerminal, runHearth, runHearthOnTerminal } from "../testing/run-hearth.ts";

const DEE = { username: "dee", email: "dee@example.com", password: "dee's first password" };

describe("hearth settings, password and whoami, run as a user would against a real server", () => {
  let workDir: string;
  let server: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-settings-"));
    server = await startTestServer();
    const admin = await adminApiKey(server.url);
    unwrap(await admin.hearth.api.POST("/api/admin/users", { body: DEE }));
    const dee = createHearthClient({ baseUrl: server.url });
    unwrap(await dee.api.POST("/api/auth/login", { body: { email: DEE.email, password: DEE.password } }));
    const { key } = unwrap(await dee.api.POST("/api/api-keys", { body: { name: "dee's cli" } }));
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: key, HEARTH_CONFIG_DIR: join(workDir, "config") };
  });
  afterAll(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("shows the settings, changes the ones given, and whoami prints them under the user", async () => {
    const shown = await runHearth(["settings"], { env });
    expect(shown).toEqual({ code: 0, stdout: "theme system, language the browser's, time zone UTC\n", stderr: "" });

    const changed = await runHearth(["settings", "--theme", "dark", "--language", "de", "--json"], { env });
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toEqual({ theme: "dark", language: "de", timeZone: "UTC" });

    const zone = await runHearth(["settings", "--time-zone", "Europe/Oslo"], { env });
    expect(zone.stdout).toBe("theme dark, language de, time zone Europe/Oslo\n");
    const whoami = await runHearth(["whoami"], { env });
    expect(whoami.stdout).toBe(
      `dee <dee@example.com> (user) on ${server.url}\ntheme dark, language de, time zone Europe/Oslo\n`,
    );
    expect(JSON.parse((await runHearth(["whoami", "--json"], { env })).stdout).user).toMatchObject({
      theme: "dark",
      language: "de",
    });

    const browser = await runHearth(["settings", "--language", "browser", "--json"], { env });
    expect(JSON.parse(browser.stdout)).toMatchObject({ theme: "dark", language: null });
  });

  it("refuses a theme or language it does not know before asking the server, and a time zone the server refuses", async () => {
    const theme = await runHearth(["settings", "--theme", "blue"], { env });
    expect(theme).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^hearth: option '--theme <theme>' argument 'blue' is invalid/),
    });
    const language = await runHearth(["settings", "--language", "it"], { env });
    expect(language.code).toBe(2);
    const zone = await runHearth(["settings", "--time-zone", "Mars/Olympus_Mons"], { env });
    expect(zone).toMatchObject({ code: 1, stderr: expect.stringMatching(/timeZone.*\(400 validation-failed\)\n$/) });
  });

  it("changes the password from two lines on stdin: the old one then fails, the new one signs in", async () => {
    const input = `${DEE.password}\ndee's second password\n`;
    const changed = await runHearth(["password", "--password-stdin"], { env, input });
    expect(changed).toMatchObject({ code: 0, stdout: "" });
    expect(changed.stderr).toContain("Password changed.");

    const signIn = (password: string) =>
      createHearthClient({ baseUrl: server.url }).api.POST("/api/auth/login", { body: { email: DEE.email, password } });
    expect((await signIn(DEE.password)).response.status).toBe(401);
    expect((await signIn("dee's second password")).response.status).toBe(200);
    // The API key the command used keeps working.
    expect((await runHearth(["whoami"], { env })).code).toBe(0);
  });

  it("says so when the current password is wrong, and when stdin lacks the second line", async () => {
    const wrong = await runHearth(["password", "--password-stdin"], {
      env,
      input: "not my password\nwhatever it is\n",
    });
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringMatching(/^hearth: .*\(403 wrong-password\)\n$/) });
    const oneLine = await runHearth(["password", "--password-stdin"], { env, input: "only one line\n" });
    expect(oneLine).toEqual({
      code: 2,
      stdout: "",
      stderr: "hearth: --password-stdin reads two lines: the current password, then the new one\n",
    });
    const notOnTerminal = await runHearth(["password"], { env });
    expect(notOnTerminal).toMatchObject({ code: 2, stderr: expect.stringContaining("--password-stdin") });
  });

  it.skipIf(!canRunOnTerminal)("asks for the passwords on a terminal without echoing them", async () => {
    const run = await runHearthOnTerminal(["password"], {
      env,
      answers: [
        ["Current password", "dee's second password"],
        ["New password", "dee's third password"],
        ["New password again", "dee's third password"],
      ],
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Password changed.");
    expect(run.stdout).not.toContain("dee's third password");
  });
});
