import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestResponse } from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe("/v1/completions with the official openai client", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  const responses: TestResponse[] = [];
  const send = async (body: unknown) => {
    const response = await hearth.server.client().request<OpenAiErrorBody>("POST", "/v1/completions", {
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${hearth.apiKey}` },
      body: JSON.stringify(body),
    });
    responses.push(response);
    return response;
  };

  beforeAll(async () => {
    hearth = await startOpenAiTestServer();
    openai = hearth.openai();
  });
  afterAll(async () => {
    expect(responses.filter((response) => response.status >= 500).map((response) => response.text)).toEqual([]);
    await hearth.close();
  });

  it("completes a prompt, running to max_tokens on the test model and saying so", async () => {
    const completion = await openai.completions.create({
      model: TEST_MODEL,
      prompt: "Once upon a time",
      max_tokens: 6,
    });
    expect(completion).toMatchObject({
      object: "text_completion",
      model: TEST_MODEL,
      id: expect.stringMatching(/^cmpl-/),
    });
    expect(completion.choices).toEqual([
      { text: expect.any(String), index: 0, logprobs: null, finish_reason: "length" },
    ]);
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
    expect(completion.usage).toMatchObject({ completion_tokens: 6, prompt_tokens: expect.any(Number) });
  });

  it("writes 16 tokens when max_tokens is left out, as OpenAI does", async () => {
    const completion = await openai.completions.create({ model: TEST_MODEL, prompt: ["Once upon a time"] });
    expect(completion.usage?.completion_tokens).toBe(16);
  });

  it("streams text chunks, finish_reason on the last, then the usage chunk where asked for", async () => {
    const stream = await openai.completions.create({
      model: TEST_MODEL,
      prompt: "Once upon a time",
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === "text_completion")).toBe(true);
    const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
    expect(withChoices.map((chunk) => chunk.choices[0]?.text).join("").length).toBeGreaterThan(0);
    expect(withChoices.at(-1)?.choices[0]?.finish_reason).toBe("length");
    expect(withChoices.slice(0, -1).every((chunk) => chunk.choices[0]?.finish_reason === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 10 } });
  });

  it("gives the same text for the same seed, and leaves a stop sequence out", async () => {
    const ask = (seed: number) =>
      openai.completions.create({ model: TEST_MODEL, prompt: "Hello", max_tokens: 24, temperature: 1, seed });
    const [first, again] = [await ask(7), await ask(7)];
    expect(again.choices[0]?.text).toBe(first.choices[0]?.text);
    const text = first.choices[0]?.text ?? "";
    const stop = text.slice(8, 11);
    const stopped = await openai.completions.create({
      model: TEST_MODEL,
      prompt: "Hello",
      max_tokens: 24,
      temperature: 1,
      seed: 7,
      stop: [stop],
    });
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(stopped.choices[0]?.text).toBe(text.slice(0, text.indexOf(stop)));
  });

  it("counts the tokens it writes in hearth_tokens_generated_total", async () => {
    const tokens = async () => {
      const line = (await hearth.server.metricsText()).match(
        /hearth_tokens_generated_total\{model="local\/tiny-chat"\} (\d+)/,
      );
      return Number(line?.[1] ?? 0);
    };
    const before = await tokens();
    await openai.completions.create({ model: TEST_MODEL, prompt: "Count me", max_tokens: 5 });
    expect(await tokens()).toBe(before + 5);
  });

  it("says a model that does not exist is not found", async () => {
    const completed = openai.completions.create({ model: "local/no-such-model", prompt: "hi" });
    await expect(completed).rejects.toMatchObject({ status: 404, code: "model_not_found", param: "model" });
  });

  it.each([
    ["echo", { echo: true }, "is not supported"],
    ["logprobs", { logprobs: 2 }, "is not supported"],
    ["suffix", { suffix: "THE END" }, "is not supported"],
    ["n", { n: 2 }, "only 1"],
    ["best_of", { best_of: 3 }, "only 1"],
    ["prompt", { prompt: ["one", "two"] }, "exactly one"],
    ["prompt.0", { prompt: [[1, 2, 3]] }, "token arrays"],
    ["prompt", { prompt: [1, 2, 3] }, "exactly one"],
    ["prompt", { prompt: 42 }, "string"],
    ["max_tokens", { max_tokens: "many" }, "number"],
    ["stop.0", { stop: [""] }, "Too small"],
  ])("refuses %s as a bad request naming it (%j)", async (param, fields, message) => {
    const response = await send({ model: TEST_MODEL, prompt: "hi", max_tokens: 2, ...fields });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: "invalid_request_error", param });
    expect(response.body.error.message).toContain(message);
  });

  it("accepts the options at their defaults, and ignores fields it has no use for", async () => {
    const fields = { echo: false, logprobs: null, suffix: null, n: 1, best_of: 1, user: "me", frequency_penalty: 0.5 };
    const response = await send({ model: TEST_MODEL, prompt: "hi", max_tokens: 2, ...fields });
    expect(response.status).toBe(200);
  });

  it("refuses a prompt that cannot fit the context as context_length_exceeded, naming the prompt", async () => {
    const response = await send({ model: TEST_MODEL, prompt: "word ".repeat(50_000), max_tokens: 2 });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ param: "prompt", code: "context_length_exceeded" });
  });
});
