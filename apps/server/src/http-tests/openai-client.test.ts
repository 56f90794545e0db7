import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

const question = [{ role: "user" as const, content: "Tell me a story." }];

describe("/v1 with the official openai client", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  beforeAll(async () => {
    hearth = await startOpenAiTestServer();
    openai = hearth.openai();
  });
  afterAll(() => hearth.close());

  it("lists the chat models by qualified id", async () => {
    const models = [];
    for await (const model of openai.models.list()) models.push(model);
    expect(models).toEqual([{ id: TEST_MODEL, object: "model", created: 0, owned_by: "local" }]);
  });

  it("retrieves a model by its qualified id, whose slash may be encoded or not, and by its bare local id", async () => {
    expect(await openai.models.retrieve(TEST_MODEL)).toMatchObject({ id: TEST_MODEL, object: "model" });
    const raw = await fetch(`${hearth.server.url}/v1/models/${TEST_MODEL}`, {
      headers: { Authorization: `Bearer ${hearth.apiKey}` },
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ id: TEST_MODEL });
    expect(await openai.models.retrieve("tiny-chat")).toMatchObject({ id: TEST_MODEL });
  });

  it("says a model that does not exist is not found", async () => {
    const retrieved = openai.models.retrieve("ollama/llama3.2");
    await expect(retrieved).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const completed = openai.chat.completions.create({ model: "local/no-such-model", messages: question });
    await expect(completed).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
      param: "model",
      error: { message: expect.stringContaining(TEST_MODEL) },
    });
  });

  it("writes a whole reply, which runs to max_tokens on the test model and says so", async () => {
    const completion = await openai.chat.completions.create({ model: TEST_MODEL, messages: question, max_tokens: 8 });
    expect(completion).toMatchObject({
      object: "chat.completion",
      model: TEST_MODEL,
      id: expect.stringMatching(/^chatcmpl-/),
    });
    const [choice] = completion.choices;
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    expect(choice?.finish_reason).toBe("length");
    expect(completion.usage).toMatchObject({ completion_tokens: 8, prompt_tokens: expect.any(Number) });
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 8);
  });

  it("streams a reply: the role first, then the text, finish_reason on the last chunk, then the usage chunk", async () => {
    const stream = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      max_completion_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const ids = new Set(chunks.map((chunk) => chunk.id));
    expect(ids.size).toBe(1);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text.length).toBeGreaterThan(0);
    const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
    expect(withChoices.at(-1)?.choices[0]?.finish_reason).toBe("length");
    expect(withChoices.slice(0, -1).every((chunk) => chunk.choices[0]?.finish_reason === null)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ completion_tokens: 12, prompt_tokens: expect.any(Number) });
  });

  it("streams without a usage chunk unless asked for one", async () => {
    const stream = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      max_tokens: 4,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
  });

  it("refuses n other than 1 as a bad request naming n", async () => {
    const completed = openai.chat.completions.create({ model: TEST_MODEL, messages: question, n: 2 });
    await expect(completed).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(completed).rejects.toMatchObject({ param: "n", type: "invalid_request_error" });
  });

  it("refuses a key that is not valid as an authentication error", async () => {
    const models = hearth.openai("hk_not-a-real-key").models.list();
    await expect(models).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(models).rejects.toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
  });

  it("stops at a stop sequence, leaving it out", async () => {
    const free = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      max_tokens: 40,
      seed: 7,
    });
    const text = free.choices[0]?.message.content ?? "";
    // A piece from the middle of what the model writes with this seed: it stops just before it.
    const stop = text.slice(10, 13);
    const stopped = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      max_tokens: 40,
      seed: 7,
      stop: [stop],
    });
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(stopped.choices[0]?.message.content).toBe(text.slice(0, text.indexOf(stop)));
  });

  it("writes the same text for the same seed and temperature, and another for another seed", async () => {
    const write = async (seed: number) =>
      (
        await openai.chat.completions.create({
          model: TEST_MODEL,
          messages: question,
          max_tokens: 24,
          temperature: 0.9,
          seed,
        })
      ).choices[0]?.message.content;
    const first = await write(42);
    expect(await write(42)).toBe(first);
    expect(await write(43)).not.toBe(first);
  });
});
