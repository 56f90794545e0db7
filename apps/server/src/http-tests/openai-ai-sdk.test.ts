import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, streamText } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

describe("/v1 with the Vercel AI SDK (ai + @ai-sdk/openai-compatible)", () => {
  let hearth: OpenAiTestServer;
  let provider: ReturnType<typeof createOpenAICompatible>;
  beforeAll(async () => {
    hearth = await startOpenAiTestServer();
    provider = createOpenAICompatible({
      name: "hearth",
      baseURL: `${hearth.server.url}/v1`,
      apiKey: hearth.apiKey,
      includeUsage: true,
    });
  });
  afterAll(() => hearth.close());

  it("generates text, with its finish reason and usage", async () => {
    const result = await generateText({
      model: provider.chatModel(TEST_MODEL),
      system: "You tell stories.",
      prompt: "Tell me one.",
      maxOutputTokens: 10,
      maxRetries: 0,
    });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe("length");
    expect(result.usage.outputTokens).toBe(10);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it("streams text, the deltas adding up to the whole", async () => {
    const result = streamText({
      model: provider.chatModel(TEST_MODEL),
      messages: [
        { role: "user", content: "Hello." },
        { role: "assistant", content: "Hello! How can I help?" },
        { role: "user", content: "Tell me a story." },
      ],
      maxOutputTokens: 12,
      maxRetries: 0,
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(await result.text);
    expect(await result.finishReason).toBe("length");
    expect((await result.usage).outputTokens).toBe(12);
  });

  it("fails with the server's 404 for a model that does not exist", async () => {
    const failed = generateText({ model: provider.chatModel("local/missing"), prompt: "Hi.", maxRetries: 0 });
    await expect(failed).rejects.toBeInstanceOf(APICallError);
    await expect(failed).rejects.toMatchObject({ statusCode: 404, message: expect.stringContaining("local/missing") });
  });
});
