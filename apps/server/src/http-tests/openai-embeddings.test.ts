import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestResponse } from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The generated test model's embedding width. */
const WIDTH = 64;

describe("/v1/embeddings with the official openai client", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  const responses: TestResponse[] = [];
  const send = async (body: unknown) => {
    const response = await hearth.server.client().request<OpenAiErrorBody>("POST", "/v1/embeddings", {
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

  it("embeds each input in order, one vector of the model's width each, with the tokens it read", async () => {
    const input = ["The cat sat on the mat.", "A dog barked.", "The cat sat on the mat."];
    const result = await openai.embeddings.create({ model: TEST_MODEL, input, encoding_format: "float" });
    expect(result).toMatchObject({ object: "list", model: TEST_MODEL });
    expect(result.data.map((entry) => [entry.object, entry.index, entry.embedding.length])).toEqual([
      ["embedding", 0, WIDTH],
      ["embedding", 1, WIDTH],
      ["embedding", 2, WIDTH],
    ]);
    expect(result.data[2]?.embedding).toEqual(result.data[0]?.embedding);
    expect(result.data[1]?.embedding).not.toEqual(result.data[0]?.embedding);
    expect(result.usage.prompt_tokens).toBeGreaterThan(3);
    expect(result.usage.total_tokens).toBe(result.usage.prompt_tokens);
  });

  it("sends base64 that the client decodes into the same floats (its default encoding)", async () => {
    const input = ["One sentence.", "Another one, longer than the first."];
    const floats = await openai.embeddings.create({ model: TEST_MODEL, input, encoding_format: "float" });
    const decoded = await openai.embeddings.create({ model: TEST_MODEL, input });
    expect(decoded.data.map((entry) => entry.embedding)).toEqual(floats.data.map((entry) => entry.embedding));
  });

  it("encodes base64 as little-endian float32 bytes", async () => {
    const raw = await send({ model: TEST_MODEL, input: "Bytes, please.", encoding_format: "base64" });
    const floats = await openai.embeddings.create({
      model: TEST_MODEL,
      input: "Bytes, please.",
      encoding_format: "float",
    });
    const encoded = (raw.body as unknown as { data: { embedding: string }[] }).data[0]?.embedding ?? "";
    const bytes = Buffer.from(encoded, "base64");
    expect(bytes.length).toBe(WIDTH * 4);
    const values = Array.from({ length: WIDTH }, (_, index) => bytes.readFloatLE(index * 4));
    expect(values).toEqual(floats.data[0]?.embedding);
  });

  it("accepts dimensions equal to the model's width, and refuses any other naming the width", async () => {
    const same = await openai.embeddings.create({ model: TEST_MODEL, input: "hi", dimensions: WIDTH });
    expect(same.data[0]?.embedding).toHaveLength(WIDTH);
    const other = openai.embeddings.create({ model: TEST_MODEL, input: ["hi", "there"], dimensions: 32 });
    await expect(other).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(other).rejects.toMatchObject({ param: "dimensions", message: expect.stringContaining(`${WIDTH}`) });
  });

  it("says a model that does not exist is not found, listing the embedding models", async () => {
    const embedded = openai.embeddings.create({ model: "local/no-such-model", input: "hi" });
    await expect(embedded).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
      message: expect.stringContaining(TEST_MODEL),
    });
  });

  it("refuses an input longer than the model's context, naming its index", async () => {
    const long = "word ".repeat(2_000);
    const several = await send({ model: TEST_MODEL, input: ["short", long] });
    expect(several.status).toBe(400);
    expect(several.body.error).toMatchObject({ param: "input.1", code: "context_length_exceeded" });
    const one = await send({ model: TEST_MODEL, input: long });
    expect(one.body.error).toMatchObject({ param: "input", code: "context_length_exceeded" });
    // Refused by its size alone, before anything is counted.
    const huge = await send({ model: TEST_MODEL, input: ["a", "b", "é".repeat(200_000)] });
    expect(huge.body.error).toMatchObject({ param: "input.2", code: "context_length_exceeded" });
  });

  it.each([
    ["input", { input: Array.from({ length: 5_000 }, (_, index) => `text ${index}`) }, "at most 2048"],
    ["input", { input: [] }, "at least one"],
    ["input", { input: "" }, "empty"],
    ["input.1", { input: ["a", ""] }, "empty"],
    ["input", { input: [1, 2, 3] }, "token arrays"],
    ["input.0", { input: [[1, 2, 3]] }, "token arrays"],
    ["input.1", { input: ["a", { text: "b" }] }, "string"],
    ["input", { input: 42 }, "string"],
    ["encoding_format", { input: "hi", encoding_format: "int8" }, "float"],
    ["dimensions", { input: "hi", dimensions: -1 }, ""],
    ["model", { input: "hi", model: 5 }, ""],
  ])("refuses a bad %s as a bad request naming it (%#)", async (param, fields, message) => {
    const response = await send({ model: TEST_MODEL, ...fields });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: "invalid_request_error", param });
    expect(response.body.error.message).toContain(message);
  });

  it("embeds 2048 inputs, the most one request may hold", async () => {
    const input = Array.from({ length: 2048 }, (_, index) => `line ${index}`);
    const result = await openai.embeddings.create({ model: TEST_MODEL, input, encoding_format: "float" });
    expect(result.data).toHaveLength(2048);
    expect(result.data.at(-1)?.index).toBe(2047);
  }, 120_000);
});
