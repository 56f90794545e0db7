import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallOptions, JsonSchema, StreamPart } from "../spec/language-model.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

const answer: JsonSchema = {
  type: "object",
  properties: {
    verdict: { type: "string", enum: ["yes", "no", "maybe"] },
    score: { type: "integer", minimum: 0, maximum: 10 },
    isSure: { type: "boolean" },
    tags: { type: "array", items: { enum: ["red", "blue"] }, maxItems: 3 },
    note: { anyOf: [{ type: "null" }, { $ref: "#/$defs/short" }] },
  },
  required: ["verdict", "score", "isSure", "tags", "note"],
  additionalProperties: false,
  $defs: { short: { type: "string", maxLength: 4 } },
};

describe("LlamaCppProvider with a JSON response format", () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;
  async function reply(options: Omit<CallOptions, "prompt">) {
    const model = await provider.languageModel("tiny");
    let text = "";
    let finish: Extract<StreamPart, { type: "finish" }> | undefined;
    for await (const part of model.doStream({
      prompt: [{ role: "user", content: [{ type: "text", text: "Is it red?" }] }],
      ...options,
    })) {
      if (part.type === "text-delta") text += part.text;
      else if (part.type === "finish") finish = part;
    }
    return { text, finish };
  }

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-json-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 1024 });
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("writes JSON that parses and matches the schema, then stops", async () => {
    for (const seed of [1, 2, 3, 4]) {
      const { text, finish } = await reply({ responseFormat: { type: "json", schema: answer }, seed, temperature: 1 });
      expect(finish?.finishReason).toBe("stop");
      const value = JSON.parse(text);
      expect(Object.keys(value)).toEqual(["verdict", "score", "isSure", "tags", "note"]);
      expect(["yes", "no", "maybe"]).toContain(value.verdict);
      expect(Number.isInteger(value.score) && value.score >= 0 && value.score <= 10).toBe(true);
      expect(typeof value.isSure).toBe("boolean");
      expect(value.tags.length).toBeLessThanOrEqual(3);
      expect(value.tags.every((tag: string) => tag === "red" || tag === "blue")).toBe(true);
      expect(value.note === null || (typeof value.note === "string" && value.note.length <= 4)).toBe(true);
    }
  });

  it("writes a JSON object without a schema, cut only by the token limit", async () => {
    const { text, finish } = await reply({ responseFormat: { type: "json" }, maxOutputTokens: 64, seed: 1 });
    expect(text.trimStart().startsWith("{")).toBe(true);
    if (finish?.finishReason === "stop") expect(typeof JSON.parse(text)).toBe("object");
    else expect(finish?.finishReason).toBe("length");
  });

  it("refuses a schema its grammar cannot enforce before any part, naming the keyword", async () => {
    const schema = { type: "object", properties: { code: { type: "string", pattern: "^[A-Z]{3}$" } } };
    const attempt = reply({ responseFormat: { type: "json", schema } });
    await expect(attempt).rejects.toBeInstanceOf(UnsupportedCallOptionError);
    await expect(attempt).rejects.toMatchObject({ option: "responseFormat.schema.properties.code.pattern" });
  });
});
