import { once } from "node:events";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRunOnTerminal, runHearth, runHearthOnTerminal } from "./testing/run-hearth.ts";

/** What whoami prints under the user for a user who changed no setting. */
const SETTINGS = "theme system, language the browser's, time zone UTC\n";

describe("hearth setup, login, whoami and logout, run as a user would against a real server", () => {
  let server: TestServer;
  let configDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer();
    configDir = join(await mkdtemp(join(tmpdir(), "hearth-cli-")), "config");
    env = { HEARTH_CONFIG_DIR: configDir, HEARTH_URL: server.url };
  });
  afterAll(async () => {
    await server.close();
    await rm(join(configDir, ".."), { recursive: true, force: true });
  });

  it("sets up the first admin from flags and the password on stdin, and stores a login with --login", async () => {
    const args = ["setup", "--username", ADMIN.username, "--email", ADMIN.email, "--password-stdin", "--login"];
    const setup = await runHearth(args, { env, input: `${ADMIN.password}\n` });
    expect(setup).toMatchObject({ code: 0, stdout: "" });
    expect(setup.stderr).toContain(`ada <${ADMIN.email}> is the admin of ${server.url}`);

    const whoami = await runHearth(["whoami"], { env });
    expect(whoami).toEqual({
      code: 0,
      stdout: `ada <${ADMIN.email}> (admin) on ${server.url}\n${SETTINGS}`,
      stderr: "",
    });

    const again = await runHearth(args, { env, input: ADMIN.password });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`hearth: ${server.url} is already set up: sign in with hearth login\n`);
  });

  it("logs in with the password on stdin, storing the key in a 0600 file in a 0700 directory", async () => {
    const login = await runHearth(["login", "--email", ADMIN.email, "--password-stdin", "--name", "laptop"], {
      env,
      input: ADMIN.password,
    });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`Signed in to ${server.url} as ada`);
    const file = join(configDir, "login.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(file, "utf8"));
    expect(stored).toMatchObject({ server: server.url, apiKey: expect.any(String), email: ADMIN.email });

    const keys = JSON.parse((await runHearth(["keys", "list", "--json"], { env })).stdout);
    expect(keys.map((key: { name: string }) => key.name)).toContain("laptop");
    // The password's session was ended: only the key is left signed in.
    const sessions = await server.db.query<{ count: string }>("SELECT count(*) FROM sessions");
    expect(Number(sessions.rows[0]?.count)).toBe(0);
  });

  it("prints whoami as JSON alone on stdout with --json", async () => {
    const whoami = await runHearth(["whoami", "--json"], { env });
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ server: server.url, user: { username: "ada", role: "admin" } });
    expect(whoami.stderr).toBe("");
  });

  it("refuses a wrong password in one line, exit 1", async () => {
    const login = await runHearth(["login", "--email", ADMIN.email, "--password-stdin"], {
      env,
      input: "wrong password",
    });
    expect(login.code).toBe(1);
    expect(login.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(login.stderr).toMatch(/^hearth: .*\(401 invalid-credentials\)\n$/);
  });

  it("authenticates with HEARTH_API_KEY instead of the stored login, and says so when the server refuses it", async () => {
    const created = JSON.parse((await runHearth(["keys", "create", "script", "--json"], { env })).stdout);
    const other = { HEARTH_URL: server.url, HEARTH_CONFIG_DIR: join(configDir, "..", "empty") };
    const byKey = await runHearth(["whoami"], { env: { ...other, HEARTH_API_KEY: created.key } });
    expect(byKey).toMatchObject({ code: 0, stdout: `ada <${ADMIN.email}> (admin) on ${server.url}\n${SETTINGS}` });

    const wrong = await runHearth(["whoami"], { env: { ...other, HEARTH_API_KEY: `${created.key}x` } });
    expect(wrong).toEqual({
      code: 1,
      stdout: "",
      stderr: "hearth: the server refused the API key (401 unauthenticated). Run hearth login.\n",
    });
    const none = await runHearth(["whoami"], { env: other });
    expect(none.stderr).toBe("hearth: not signed in (401 unauthenticated). Run hearth login, or set HEARTH_API_KEY.\n");
  });

  it("never sends the stored key to another server named with --server", async () => {
    const elsewhere = await startTestServer();
    try {
      // A key sent there would be refused as a wrong key; none was sent, so the request was anonymous.
      const whoami = await runHearth(["whoami", "--server", elsewhere.url], { env });
      expect(whoami.stderr).toBe(
        "hearth: not signed in (401 unauthenticated). Run hearth login, or set HEARTH_API_KEY.\n",
      );
    } finally {
      await elsewhere.close();
    }
  });

  it("fails in one line with exit 1 when the server cannot be reached", async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = await runHearth(["whoami", "--server", closed], { env });
    expect(unreachable).toEqual({
      code: 1,
      stdout: "",
      stderr: `hearth: cannot reach ${closed}: connection refused\n`,
    });
    const verbose = await runHearth(["whoami", "--server", closed, "--verbose"], { env });
    expect(verbose.stderr).toContain("ECONNREFUSED");
  });

  it("exits 2 on usage errors: unknown command or option, missing argument, a server that is no address", async () => {
    for (const args of [["bogus"], ["whoami", "--bogus"], ["keys", "create"], ["whoami", "--server", "nope"], []]) {
      const run = await runHearth(args, { env });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stdout, args.join(" ")).toBe("");
      expect(run.stderr, args.join(" ")).toMatch(/^hearth: |^Usage: hearth/);
    }
    const login = await runHearth(["login", "--email", ADMIN.email], { env });
    expect(login).toMatchObject({ code: 2, stderr: expect.stringMatching(/not on a terminal/) });
  });

  it("logs out: the key login created is revoked on the server and the stored login deleted", async () => {
    const { apiKey } = JSON.parse(await readFile(join(configDir, "login.json"), "utf8"));
    const logout = await runHearth(["logout"], { env });
    expect(logout).toMatchObject({ code: 0, stderr: `Signed out of ${server.url}. The API key was revoked.\n` });
    await expect(stat(join(configDir, "login.json"))).rejects.toMatchObject({ code: "ENOENT" });
    const revoked = await runHearth(["whoami"], { env: { ...env, HEARTH_API_KEY: apiKey } });
    expect(revoked.code).toBe(1);
  });

  it("stores a key given on stdin after checking it, and keeps it valid on logout", async () => {
    const key = await server.client();
    await key.logIn(ADMIN.email, ADMIN.password);
    const created = await key.post<{ key: string }>("/api/api-keys", { name: "given" });
    const refused = await runHearth(["login", "--api-key-stdin"], { env, input: "hearth_not-a-key" });
    expect(refused).toMatchObject({
      code: 1,
      stderr: `hearth: ${server.url} refused this API key (401 unauthenticated)\n`,
    });

    const login = await runHearth(["login", "--api-key-stdin"], { env, input: `${created.body.key}\n` });
    expect(login.code).toBe(0);
    expect((await runHearth(["whoami"], { env })).stdout).toContain("ada");
    const logout = await runHearth(["logout", "--json"], { env });
    expect(JSON.parse(logout.stdout)).toEqual({ server: server.url, revoked: false, deleted: true });
    const stillValid = await runHearth(["whoami"], { env: { ...env, HEARTH_API_KEY: created.body.key } });
    expect(stillValid.code).toBe(0);
  });

  it.skipIf(!canRunOnTerminal)(
    "asks for the email and the password on a terminal, without echoing the password",
    async () => {
      const login = await runHearthOnTerminal(["login", "--server", server.url], {
        env: { HEARTH_CONFIG_DIR: configDir },
        answers: [
          ["Email: ", ADMIN.email],
          ["Password: ", ADMIN.password],
        ],
      });
      expect(login.code).toBe(0);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: readline's cursor moves are what is removed.
      const shown = login.stdout.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
      expect(shown).toContain(`Email: ${ADMIN.email}`);
      expect(login.stdout).not.toContain(ADMIN.password);
      expect(login.stdout).toContain(`Signed in to ${server.url} as ada`);
      expect((await runHearth(["whoami"], { env })).stdout).toBe(
        `ada <${ADMIN.email}> (admin) on ${server.url}\n${SETTINGS}`,
      );
    },
  );

  it.skipIf(!canRunOnTerminal)("leaves with exit 130 on Ctrl+C at a question, storing nothing", async () => {
    const elsewhere = join(configDir, "..", "interrupted");
    const login = await runHearthOnTerminal(["login", "--server", server.url], {
      env: { HEARTH_CONFIG_DIR: elsewhere },
      answers: [
        ["Email: ", ADMIN.email],
        ["Password: ", "\u0003"],
      ],
    });
    expect(login.code).toBe(130);
    await expect(stat(join(elsewhere, "login.json"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it.skipIf(!canRunOnTerminal)(
    "sets up a new server on a terminal, asking for each answer, then stores a login",
    async () => {
      const fresh = await startTestServer();
      try {
        const freshConfig = join(configDir, "..", "fresh");
        const setup = await runHearthOnTerminal(["setup", "--server", fresh.url], {
          env: { HEARTH_CONFIG_DIR: freshConfig },
          answers: [
            ["User name: ", "bo"],
            ["Email: ", "bo@example.com"],
            ["Password: ", "bo's long password"],
            ["Password again: ", "bo's long password"],
            ["Store a login for this server? [Y/n]: ", ""],
          ],
        });
        expect(setup.code).toBe(0);
        expect(setup.stdout).not.toContain("bo's long password");
        expect(setup.stdout).toContain(`bo <bo@example.com> is the admin of ${fresh.url}.`);
        const whoami = await runHearth(["whoami"], { env: { HEARTH_CONFIG_DIR: freshConfig } });
        expect(whoami.stdout).toBe(`bo <bo@example.com> (admin) on ${fresh.url}\n${SETTINGS}`);
      } finally {
        await fresh.close();
      }
    },
  );
});

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const listener = createServer().listen(0, "127.0.0.1");
  await once(listener, "listening");
  const { port } = listener.address() as { port: number };
  listener.close();
  await once(listener, "close");
  return port;
}
