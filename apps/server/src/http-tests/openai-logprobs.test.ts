/**
 * Log probabilities under /v1: passed through from a provider that gives them (a stand-in speaking
 * OpenAI's protocol, replaying the logprobs OpenAI sends), null from the local engine, which has none.
 */
import { type OpenAIProtocolReplay, startOpenAIProtocolReplay } from "@hearth/engine/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

describe("/v1 log probabilities", () => {
  let replay: OpenAIProtocolReplay;
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  const messages = [{ role: "user" as const, content: "Hello?" }];
  const remoteModel = "remote/gpt-4.1-mini";

  beforeAll(async () => {
    replay = await startOpenAIProtocolReplay(["gpt-4.1-mini"]);
    hearth = await startOpenAiTestServer({
      models: {
        providers: [
          { id: "remote", kind: "openai-compatible", baseUrl: `${replay.url}/v1`, timeoutSeconds: 5, enabled: true },
        ],
      },
    });
    openai = hearth.openai();
  });
  afterAll(async () => {
    await hearth.close();
    await replay.close();
  });

  it("streams each chunk's token log probabilities from a provider that gives them", async () => {
    const stream = await openai.chat.completions.create({
      model: remoteModel,
      messages,
      stream: true,
      logprobs: true,
      top_logprobs: 2,
    });
    const tokens: OpenAI.Chat.ChatCompletionTokenLogprob[] = [];
    let text = "";
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? "";
      tokens.push(...(choice?.logprobs?.content ?? []));
    }
    expect(text).toBe("Hello! How can I help?");
    expect(tokens.map((token) => token.token).join("")).toBe(text);
    expect(tokens[0]).toEqual({
      token: "Hello",
      logprob: -0.31725305,
      bytes: [72, 101, 108, 108, 111],
      top_logprobs: [
        { token: "Hello", logprob: -0.31725305, bytes: [72, 101, 108, 108, 111] },
        { token: "Hi", logprob: -1.31725305, bytes: [72, 105] },
      ],
    });
    expect(replay.requests.at(-1)?.body).toMatchObject({ logprobs: true, top_logprobs: 2 });
  });

  it("gathers them in a whole reply", async () => {
    const completion = await openai.chat.completions.create({ model: remoteModel, messages, logprobs: true });
    const content = completion.choices[0]?.logprobs?.content ?? [];
    expect(content.map((token) => token.token)).toEqual(["Hello", "!", " How", " can", " I", " help", "?"]);
    expect(content.every((token) => token.top_logprobs.length === 0)).toBe(true);
  });

  it("answers null where none were asked for, and where the local engine has none", async () => {
    const plain = await openai.chat.completions.create({ model: remoteModel, messages });
    expect(plain.choices[0]?.logprobs).toBeNull();
    expect(replay.requests.at(-1)?.body).not.toHaveProperty("logprobs");
    const local = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages,
      max_tokens: 4,
      logprobs: true,
      top_logprobs: 3,
    });
    expect(local.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(local.choices[0]?.logprobs).toBeNull();
  });

  it("refuses top_logprobs without logprobs, or beyond 20, naming the field", async () => {
    for (const body of [{ top_logprobs: 2 }, { logprobs: true, top_logprobs: 21 }, { logprobs: "yes" }]) {
      const refused = await openai.chat.completions
        .create({ model: remoteModel, messages, ...(body as object) })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect(refused).toMatchObject({ status: 400, param: expect.stringMatching(/logprobs/) });
    }
  });
});
