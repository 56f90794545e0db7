import { describe, expect, it } from "vitest";
import { tokenLimitFieldFor, toOpenAIChatRequest } from "./to-openai-chat-request.ts";

const prompt = [{ role: "user" as const, content: [{ type: "text" as const, text: "Hi" }] }];

describe("the reply's length limit", () => {
  it("is max_completion_tokens for OpenAI's own API and Azure's, which refuse max_tokens for reasoning models", () => {
    expect(tokenLimitFieldFor("https://api.openai.com/v1")).toBe("max_completion_tokens");
    expect(tokenLimitFieldFor("https://API.OpenAI.com/v1/")).toBe("max_completion_tokens");
    expect(tokenLimitFieldFor("https://acme.openai.azure.com/openai/v1")).toBe("max_completion_tokens");
  });

  it("stays max_tokens for the servers that copy the API, and for look-alike hosts", () => {
    for (const url of [
      "http://127.0.0.1:11434/v1",
      "http://localhost:8000/v1",
      "https://openrouter.ai/api/v1",
      "https://api.openai.com.example.net/v1",
      "not a url",
    ]) {
      expect(tokenLimitFieldFor(url), url).toBe("max_tokens");
    }
  });

  it("is sent under the field chosen, and not under the other", () => {
    const options = { prompt, maxOutputTokens: 64 };
    expect(toOpenAIChatRequest("o4-mini", options, "max_completion_tokens")).toMatchObject({
      max_completion_tokens: 64,
    });
    expect(toOpenAIChatRequest("o4-mini", options, "max_completion_tokens")).not.toHaveProperty("max_tokens");
    expect(toOpenAIChatRequest("llama3.2", options)).toMatchObject({ max_tokens: 64 });
    expect(toOpenAIChatRequest("llama3.2", options)).not.toHaveProperty("max_completion_tokens");
  });
});
