import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInUser } from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

const question = [{ role: "user" as const, content: "Tell me a long story." }];

/** Checks `condition` until it holds; the test's own timeout bounds the wait. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("/v1 under the per-user limits", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  const logLines: string[] = [];
  const finished = () =>
    logLines.filter((line) => line.includes("chat completion finished")).map((line) => JSON.parse(line));

  beforeAll(async () => {
    // One completion at a time per user, and a context long enough that a reply runs for a while.
    hearth = await startOpenAiTestServer(
      { chat: { maxRepliesInProgress: 1 }, engine: { contextSize: 4096 } },
      { logLines },
    );
    openai = hearth.openai();
  });
  afterAll(() => hearth.close());

  it("stops generating when the client goes away mid-stream, which frees the user's completion slot", async () => {
    const stream = await openai.chat.completions.create({ model: TEST_MODEL, messages: question, stream: true });
    let chunks = 0;
    for await (const _ of stream) if (++chunks === 3) break;
    // Leaving the loop aborted the request; the model's own finish says the abort reached it.
    await until(() => finished().length === 1);
    const [outcome] = finished();
    expect(outcome).toMatchObject({ finishReason: "abort", stream: true });
    expect(outcome.usage.outputTokens).toBeLessThan(4000);
    const next = await openai.chat.completions.create({ model: TEST_MODEL, messages: question, max_tokens: 2 });
    expect(next.choices[0]?.finish_reason).toBe("length");
  });

  it("refuses a second completion while the user's first is running, as a rate limit", async () => {
    const before = finished().length;
    const controller = new AbortController();
    const running = await openai.chat.completions.create(
      { model: TEST_MODEL, messages: question, stream: true },
      { signal: controller.signal },
    );
    const reader = running[Symbol.asyncIterator]();
    await reader.next();
    const second = openai.chat.completions.create({ model: TEST_MODEL, messages: question, max_tokens: 2 });
    await expect(second).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(second).rejects.toMatchObject({ code: "rate_limit_exceeded", type: "rate_limit_error" });
    controller.abort();
    await until(() => finished().length === before + 1);
    expect(finished().at(-1)).toMatchObject({ finishReason: "abort" });
  });

  it("counts each completion against the user's messages per minute, an admin's override included", async () => {
    const { id: bobId } = await signedInUser(hearth.server, hearth.admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    expect((await hearth.admin.patch(`/api/admin/users/${bobId}/limits`, { messagesPerMinute: 2 })).status).toBe(200);
    const bob = hearth.server.client();
    await bob.logIn("bob@example.com", "bob password 1");
    const bobKey = (await bob.post<{ key: string }>("/api/api-keys", { name: "bob's client" })).body.key;
    const bobsClient = hearth.openai(bobKey);
    const ask = () => bobsClient.chat.completions.create({ model: TEST_MODEL, messages: question, max_tokens: 1 });
    await ask();
    await ask();
    const refused = await ask().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toMatch(/^\d+$/);
    // Bob's limit is his own.
    expect(
      (await openai.chat.completions.create({ model: TEST_MODEL, messages: question, max_tokens: 1 })).choices,
    ).toHaveLength(1);
    hearth.server.clock.advance(61);
    expect((await ask()).choices).toHaveLength(1);
  });

  it("shows /v1 requests in the metrics by route", async () => {
    await openai.models.list();
    const metrics = await hearth.server.metricsText();
    expect(metrics).toMatch(
      /hearth_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status="200"\} \d+/,
    );
    expect(metrics).toMatch(
      /hearth_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status="429"\} \d+/,
    );
    expect(metrics).toMatch(/hearth_http_requests_total\{method="GET",route="\/v1\/models",status="200"\} \d+/);
  });
});
