import { getLlama, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallOptions, ToolDefinition } from "../spec/language-model.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { planCall } from "./call-plan.ts";
import { GrammarCache } from "./grammar-cache.ts";

const clock: ToolDefinition = {
  name: "get_time",
  inputSchema: { type: "object", properties: { zone: { enum: ["UTC"] } } },
};
const note: ToolDefinition = { name: "note", description: "Takes a note", inputSchema: {} };

describe("planCall", () => {
  let llama: Llama;
  let grammars: GrammarCache;
  const plan = (options: Omit<CallOptions, "prompt">) => planCall({ prompt: [], ...options }, grammars);

  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: "never" });
    grammars = new GrammarCache(llama);
  });
  afterAll(async () => {
    await llama.dispose();
  });

  it("writes text when no tools are offered, or toolChoice is none", async () => {
    expect(await plan({})).toEqual({ kind: "text" });
    expect(await plan({ tools: [clock], toolChoice: "none" })).toEqual({ kind: "text" });
  });

  it("offers the tools as node-llama-cpp functions under auto, a bare schema as any object", async () => {
    expect(await plan({ tools: [clock, note] })).toEqual({
      kind: "tools",
      functions: {
        get_time: { params: { type: "object", properties: { zone: { enum: ["UTC"] } } } },
        note: { description: "Takes a note", params: { type: "object", properties: {} } },
      },
      isOneCallOnly: false,
    });
    // parallelToolCalls false: LlamaChat is told to stop after one call (maxParallelFunctionCalls 1).
    expect(await plan({ tools: [clock, note], parallelToolCalls: false })).toMatchObject({
      kind: "tools",
      isOneCallOnly: true,
    });
  });

  it("forces a call among the required tools, or the named one", async () => {
    expect(await plan({ tools: [clock, note], toolChoice: "required" })).toMatchObject({
      kind: "forced-tool-call",
      tools: [{ name: "get_time" }, { name: "note" }],
    });
    expect(await plan({ tools: [clock, note], toolChoice: { type: "tool", toolName: "note" } })).toMatchObject({
      kind: "forced-tool-call",
      tools: [{ name: "note" }],
    });
  });

  it("writes JSON under a grammar, one per schema", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } } };
    const first = await plan({ responseFormat: { type: "json", schema } });
    expect(first).toMatchObject({ kind: "json" });
    expect(await plan({ responseFormat: { type: "json", schema: { ...schema } } })).toEqual(first);
    expect(await plan({ responseFormat: { type: "json" } })).not.toEqual(first);
  });

  const tool = (inputSchema: Record<string, unknown>, name = "t"): ToolDefinition => ({ name, inputSchema });
  const refusals: [string, Omit<CallOptions, "prompt">, string][] = [
    [
      "a $ref outside the schema",
      { tools: [tool({ type: "object", properties: { a: { $ref: "https://example.com/a.json" } } })] },
      "tools[0].inputSchema.properties.a.$ref",
    ],
    [
      "a pattern in a tool's schema",
      { tools: [tool({ type: "object", properties: { a: { type: "string", pattern: "^a" } } })] },
      "tools[0].inputSchema.properties.a.pattern",
    ],
    ["a tool name with spaces", { tools: [tool({ type: "object" }, "get weather")] }, "tools[0].name"],
    ["two tools of one name", { tools: [clock, clock] }, "tools[1].name"],
    ["a tool schema that is not an object", { tools: [tool({ type: "string" })] }, "tools[0].inputSchema"],
    ["a huge schema", { tools: [tool({ type: "object", description: "x".repeat(70_000) })] }, "tools[0].inputSchema"],
    [
      "a named tool that is not offered",
      { tools: [clock], toolChoice: { type: "tool", toolName: "nope" } },
      "toolChoice.toolName",
    ],
    ["required without tools", { toolChoice: "required" }, "toolChoice"],
    ["JSON output with tools", { tools: [clock], responseFormat: { type: "json" } }, "responseFormat"],
    [
      "a response schema its grammar cannot enforce",
      { responseFormat: { type: "json", schema: { type: "number", maximum: 3 } } },
      "responseFormat.schema.maximum",
    ],
  ];
  it.each(refusals)("refuses %s, naming the option", async (_, options, option) => {
    const attempt = plan(options);
    await expect(attempt).rejects.toBeInstanceOf(UnsupportedCallOptionError);
    await expect(attempt).rejects.toMatchObject({ option });
  });
});
