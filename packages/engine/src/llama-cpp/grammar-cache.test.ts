import { getLlama, type Llama, type LlamaJsonSchemaGrammar } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrammarCache } from "./grammar-cache.ts";
import { toGbnfJsonSchema } from "./to-gbnf-json-schema.ts";

describe("GrammarCache", () => {
  let llama: Llama;
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: "never" });
  });
  afterAll(async () => {
    await llama.dispose();
  });

  it("builds one grammar per schema text and reuses it", async () => {
    const cache = new GrammarCache(llama);
    const first = await cache.forJsonSchema({ type: "object", properties: { a: { type: "boolean" } } });
    const again = await cache.forJsonSchema({ type: "object", properties: { a: { type: "boolean" } } });
    const other = await cache.forJsonSchema({ type: "object", properties: { b: { type: "boolean" } } });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(await cache.forAnyJson()).toBe(await cache.forAnyJson());
  });

  it("keeps at most 64 grammars, dropping the least recently used", async () => {
    const cache = new GrammarCache(llama);
    const schema = (index: number) => ({ enum: [index] });
    const built = [];
    for (let index = 0; index < 64; index++) built.push(await cache.forJsonSchema(schema(index)));
    expect(await cache.forJsonSchema(schema(0))).toBe(built[0]);
    // 0 was used last: 1 is now the oldest and goes when a 65th comes.
    await cache.forJsonSchema(schema(64));
    expect(await cache.forJsonSchema(schema(0))).toBe(built[0]);
    expect(await cache.forJsonSchema(schema(2))).toBe(built[2]);
    expect(await cache.forJsonSchema(schema(1))).not.toBe(built[1]);
  });

  it("compiles what the converter writes, references and alternatives included", async () => {
    const cache = new GrammarCache(llama);
    const schema = toGbnfJsonSchema(
      {
        type: "object",
        properties: { tree: { $ref: "#/$defs/node" }, when: { type: "string", format: "date" } },
        $defs: {
          node: {
            type: "object",
            properties: { kids: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 } },
          },
        },
      },
      "schema",
    );
    const grammar = (await cache.forJsonSchema(schema)) as LlamaJsonSchemaGrammar<never>;
    expect(grammar.grammar).toContain("root ::=");
    expect(grammar.parse('{"tree": {"kids": [{"kids": []}]}, "when": "2026-12-02"}')).toEqual({
      tree: { kids: [{ kids: [] }] },
      when: "2026-12-02",
    });
  });
});
