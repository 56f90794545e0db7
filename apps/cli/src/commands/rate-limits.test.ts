import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHearthClient, type HearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { runHearth } from "../testing/run-hearth.ts";

describe("hearth rate-limits, against a real server", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  let cyId: string;
  let cy: HearthClient;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-rate-limits-"));
    server = await startTestServer({});
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
    const login = { email: "cy@example.com", password: "cy's long password" };
    cyId = unwrap(await hearth.api.POST("/api/admin/users", { body: { username: "cy", ...login } })).id;
    cy = createHearthClient({ baseUrl: server.url });
    unwrap(await cy.api.POST("/api/auth/login", { body: login }));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("creates, changes, assigns and lists profiles, and the user sees the one that applies", async () => {
    const created = await runHearth(
      [
        "rate-limits",
        "create",
        "team",
        "--requests-per-minute",
        "20",
        "--tokens-per-day",
        "100000",
        "--description",
        "The team",
      ],
      { env },
    );
    expect(created.stderr).toBe("");
    expect(created.stdout).toMatch(/^calls per minute\s+20$/m);
    const changed = await runHearth(
      ["rate-limits", "set", "team", "--requests-per-minute", "none", "--requests-per-day", "500"],
      {
        env,
      },
    );
    expect(changed.stderr).toBe("");
    expect(changed.stdout).toMatch(/^calls per minute\s+-$/m);
    expect(changed.stdout).toMatch(/^calls per day\s+500$/m);
    const assigned = await runHearth(["rate-limits", "assign", "team", "--user", cyId], { env });
    expect(assigned.stderr).toBe(`The user ${cyId} is limited by team now.\n`);
    expect((await runHearth(["rate-limits", "assign", "team", "--role", "user"], { env })).code).toBe(0);
    const listed = await runHearth(["rate-limits", "list"], { env });
    expect(listed.stdout).toMatch(new RegExp(`^team\\s+-\\s+500\\s+-\\s+100000\\s+role user, user ${cyId}$`, "m"));
    const limits = unwrap(await cy.api.GET("/api/limits"));
    expect(limits.rateLimits?.profile).toBe("team");
    expect(limits.rateLimits?.quotas.map((quota) => quota.name)).toEqual(["tokens-per-day", "requests-per-day"]);
    expect((await runHearth(["rate-limits", "assign", "none", "--user", cyId], { env })).code).toBe(0);
    expect((await runHearth(["rate-limits", "rm", "team"], { env })).stderr).toBe(
      "Deleted the rate-limit profile team.\n",
    );
    expect((await runHearth(["rate-limits", "list", "--json"], { env })).stdout).toBe("[]\n");
  });

  it("says what is wrong", async () => {
    const bad = await runHearth(["rate-limits", "create", "x", "--requests-per-minute", "0"], { env });
    expect(bad.stderr).toContain("must be a whole number from 1, or none");
    const id = await runHearth(["rate-limits", "create", "Not Valid"], { env });
    expect(id.stderr).toMatch(/id: must be 1–63 lowercase letters.*\(400 validation-failed\)/);
    const both = await runHearth(["rate-limits", "assign", "x", "--role", "user", "--user", cyId], { env });
    expect(both.stderr).toContain("give exactly one of --role, --user, --key");
    const missing = await runHearth(["rate-limits", "assign", "absent", "--role", "user"], { env });
    expect(missing.stderr).toMatch(/\(404 rate-limit-profile-not-found\)\n$/);
    const { key } = unwrap(await cy.api.POST("/api/api-keys", { body: { name: "cy's" } }));
    const refused = await runHearth(["rate-limits", "list"], { env: { ...env, HEARTH_API_KEY: key } });
    expect(refused.stderr).toMatch(/\(403 admin-required\)\n$/);
  });
});
