/**
 * Usage: every reply and /v1 call that ends goes to the ledger, and /api/usage sums it by day, user,
 * model, provider and source, checked against the replies' and calls' own counts, with the real engine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

interface Row {
  day?: string;
  userId?: string;
  username?: string;
  model?: string;
  provider?: string;
  source?: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  avgFirstTokenMs: number | null;
  tokensPerSecond: number | null;
}
interface Report {
  from: string;
  to: string;
  groupBy: string[];
  rows: Row[];
  totals: { calls: number; promptTokens: number; completionTokens: number; totalTokens: number };
}

const today = () => new Date().toISOString().slice(0, 10);

describe("usage", { timeout: 60_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let admin: TestClient;
  let bob: TestClient;
  let bobId: string;
  let bobKey: string;
  /** What bob's replies and calls say they used, by their own counts. */
  const bobUsed = { chat: { prompt: 0, completion: 0, calls: 0 }, api: { prompt: 0, completion: 0, calls: 0 } };

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-usage-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    await writeTestModel(join(modelsDir, "other.gguf"), { seed: 2 });
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 6 },
    });
    admin = await signedInAdmin(server);
    ({ client: bob } = await signedInUser(server, admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    }));
    bobId = (await bob.get<{ user: { id: string } }>("/api/auth/me")).body.user.id;
    bobKey = (await bob.post<{ key: string }>("/api/api-keys", { name: "bob's" })).body.key;
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const reply = async (client: TestClient, model: string, text: string) => {
    const conversationId = await createConversation(client, { model, title: "Counting" });
    const sent = await sendMessage(client, conversationId, text);
    const settled = await settledReply(client, conversationId, sent.assistantMessage.id);
    expect(settled.status).toBe("done");
    return { conversationId, usage: settled.usage as { promptTokens: number; completionTokens: number } };
  };
  const v1 = async (model: string, body: Record<string, unknown> = {}) => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bobKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Count to three" }], max_tokens: 4, ...body }),
    });
    expect(response.status).toBe(200);
    return response;
  };
  const usage = async (client: TestClient, query = "") => {
    const response = await client.get<Report>(`/api/usage${query}`);
    expect(response.status, response.text).toBe(200);
    return response.body;
  };

  it("counts every reply and /v1 call, as their own counts say, by day and model", async () => {
    for (const [model, text] of [
      ["local/tiny", "Hello there"],
      ["local/other", "A longer question about hearths and fires"],
    ] as const) {
      const { usage: used } = await reply(bob, model, text);
      bobUsed.chat.prompt += used.promptTokens;
      bobUsed.chat.completion += used.completionTokens;
      bobUsed.chat.calls++;
    }
    const answered = (await (await v1("local/tiny")).json()) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    bobUsed.api.prompt += answered.usage.prompt_tokens;
    bobUsed.api.completion += answered.usage.completion_tokens;
    bobUsed.api.calls++;
    // Streamed, with usage asked for in the last chunk.
    const streamed = await (await v1("local/tiny", { stream: true, stream_options: { include_usage: true } })).text();
    const last = streamed
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.parse(line.slice(6)) as { usage?: { prompt_tokens: number; completion_tokens: number } })
      .findLast((chunk) => chunk.usage);
    bobUsed.api.prompt += last?.usage?.prompt_tokens ?? Number.NaN;
    bobUsed.api.completion += last?.usage?.completion_tokens ?? Number.NaN;
    bobUsed.api.calls++;
    // The admin's own reply is the admin's.
    await reply(admin, "local/tiny", "Mine");
    // A call refused before it ran used nothing.
    const refused = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bobKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "local/absent", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(refused.status).toBe(404);

    const report = await usage(bob);
    expect(report).toMatchObject({ to: today(), groupBy: ["day", "model"] });
    const prompt = bobUsed.chat.prompt + bobUsed.api.prompt;
    const completion = bobUsed.chat.completion + bobUsed.api.completion;
    expect(report.totals).toEqual({
      calls: 4,
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: prompt + completion,
    });
    expect(report.rows.map((row) => [row.day, row.model, row.calls])).toEqual([
      [today(), "local/other", 1],
      [today(), "local/tiny", 3],
    ]);
    // The test server's clock stands still while it is not moved: times are 0 and speeds unknown here.
    for (const row of report.rows) expect(row).toMatchObject({ avgFirstTokenMs: 0, tokensPerSecond: null });
  });

  it("sums by source and provider: conversations' replies and /v1 calls apart", async () => {
    const bySource = await usage(bob, "?groupBy=source,provider");
    expect(bySource.rows).toEqual([
      expect.objectContaining({
        provider: "local",
        source: "api",
        calls: bobUsed.api.calls,
        promptTokens: bobUsed.api.prompt,
        completionTokens: bobUsed.api.completion,
      }),
      expect.objectContaining({
        provider: "local",
        source: "chat",
        calls: bobUsed.chat.calls,
        promptTokens: bobUsed.chat.prompt,
        completionTokens: bobUsed.chat.completion,
      }),
    ]);
    const filtered = await usage(bob, "?groupBy=&model=local/other");
    expect(filtered.rows).toEqual([expect.objectContaining({ calls: 1 })]);
    expect(filtered.rows[0]).not.toHaveProperty("model");
  });

  it("shows a user their own calls only; admins everyone's, by user, or one user's", async () => {
    expect((await usage(admin)).totals.calls).toBe(1);
    const everyone = await usage(admin, "?scope=all&groupBy=user");
    expect(everyone.rows.map((row) => [row.username, row.calls])).toEqual(
      expect.arrayContaining([
        ["ada", 1],
        ["bob", 4],
      ]),
    );
    expect((await usage(admin, `?user=${bobId}`)).totals.calls).toBe(4);
    expect((await usage(bob, `?user=${bobId}`)).totals.calls).toBe(4);
    const adminId = (await admin.get<{ user: { id: string } }>("/api/auth/me")).body.user.id;
    for (const query of ["?scope=all", `?user=${adminId}`]) {
      const refused = await bob.get(`/api/usage${query}`);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: "admin-required" });
    }
    expect((await server.client().get("/api/usage")).status).toBe(401);
  });

  it("keeps what was used when its conversation is deleted", async () => {
    const { conversationId } = await reply(bob, "local/tiny", "To be deleted");
    const before = (await usage(bob)).totals.calls;
    expect((await bob.delete(`/api/conversations/${conversationId}`)).status).toBe(204);
    expect((await usage(bob)).totals.calls).toBe(before);
  });

  it("answers a CSV file to download with the same sums", async () => {
    const response = await bob.get("/api/usage?groupBy=day,source&format=csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="hearth-usage-\d{4}-\d{2}-\d{2}-to-/,
    );
    const [header, ...lines] = response.text.trimEnd().split("\r\n");
    expect(header).toBe(
      "day,source,calls,prompt_tokens,completion_tokens,total_tokens,avg_first_token_ms,tokens_per_second",
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${today()},api,${bobUsed.api.calls},${bobUsed.api.prompt},`));
  });

  it("covers a range of days, none before and none after", async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const none = await usage(bob, `?from=2026-01-01&to=${yesterday}`);
    expect(none).toMatchObject({ from: "2026-01-01", to: yesterday, rows: [], totals: { calls: 0, totalTokens: 0 } });
    expect((await usage(bob, `?from=${today()}&to=${today()}`)).totals.calls).toBeGreaterThan(0);
  });

  it("counts an embeddings call's input tokens", async () => {
    const before = (await usage(bob, "?groupBy=source")).rows.find((row) => row.source === "api") as Row;
    const response = await fetch(`${server.url}/v1/embeddings`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bobKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "local/tiny", input: ["one two three", "four"] }),
    });
    expect(response.status).toBe(200);
    const { usage: used } = (await response.json()) as { usage: { prompt_tokens: number } };
    const after = (await usage(bob, "?groupBy=source")).rows.find((row) => row.source === "api") as Row;
    expect(after.calls - before.calls).toBe(1);
    expect(after.promptTokens - before.promptTokens).toBe(used.prompt_tokens);
    expect(after.completionTokens).toBe(before.completionTokens);
  });

  it("refuses a query it cannot answer, naming the field", async () => {
    for (const [query, field] of [
      ["?from=2026-13-01", "from"],
      ["?from=2026-02-30", "from"],
      ["?from=yesterday", "from"],
      ["?from=2026-12-02&to=2026-12-01", "from"],
      ["?from=2024-01-01&to=2026-01-01", "from"],
      ["?groupBy=day,colour", "groupBy"],
      [`?groupBy=${"day,".repeat(40)}`, "groupBy"],
      ["?scope=everyone", "scope"],
      ["?user=not-a-uuid", "user"],
      ["?format=xml", "format"],
      [`?model=${"x".repeat(301)}`, "model"],
    ] as const) {
      const response = await bob.get(`/api/usage${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body, query).toMatchObject({
        code: "validation-failed",
        issues: expect.arrayContaining([expect.objectContaining({ field })]),
      });
    }
  });
});
