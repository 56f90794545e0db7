import { describe, expect, it } from "vitest";
import { calculator } from "./calculator.ts";
import { capBytes, runTool, type ToolRunSettings } from "./run-tool.ts";
import type { Tool } from "./tool.ts";
import { type RegisteredTool, ToolRegistry } from "./tool-registry.ts";

const settings: ToolRunSettings = { timeoutMs: 200, outputBytes: 256 };
const context = { userId: "user-1", timeZone: "UTC" };

/** A tool that does what `behave` says with its input. */
const tool = (name: string, behave: Tool["run"]): Tool => ({
  name,
  description: name,
  inputSchema: {
    type: "object",
    properties: { text: { type: "string" }, count: { type: "integer" } },
    required: ["text"],
  },
  run: behave,
});

const waitsForAbort: Tool["run"] = (_, { abortSignal }) =>
  new Promise((_resolve, reject) => abortSignal.addEventListener("abort", () => reject(new Error("aborted"))));

/** The tools as a conversation enables them, by name. */
function enable(...tools: Tool[]): Map<string, RegisteredTool> {
  const registry = new ToolRegistry();
  for (const each of tools) registry.register(each);
  return new Map(registry.list().map((each) => [each.name, registry.get(each.name) as RegisteredTool]));
}

const registry = new ToolRegistry()
  .register(calculator)
  .register(tool("echo", async (input) => (input as { text: string }).text))
  .register(tool("throws", async () => Promise.reject(new Error("the disk is full"))))
  .register(
    tool("throws_now", () => {
      throw new TypeError("not a function");
    }),
  )
  .register(tool("waits", waitsForAbort))
  // Never settles and ignores its signal: the call must still end.
  .register(tool("hangs", () => new Promise(() => {})))
  .register(tool("no_text", async () => 42 as unknown as string));
const enabled = new Map(registry.names().map((name) => [name, registry.get(name) as RegisteredTool]));

const run = (toolName: string, input: string, signal = new AbortController().signal) =>
  runTool(enabled, { toolName, input }, context, settings, signal);

describe("runTool", () => {
  it("runs a call on its parsed input and gives its output", async () => {
    expect(await run("calculator", '{"expression": "6 * 7"}')).toEqual({ output: "42", isError: false });
    expect(await run("echo", '{"text": "hello"}')).toEqual({ output: "hello", isError: false });
  });

  it("tells the model when a call names no enabled tool, listing those there are", async () => {
    const result = await runTool(
      enable(calculator),
      { toolName: "rm", input: "{}" },
      context,
      settings,
      new AbortController().signal,
    );
    expect(result).toEqual({ output: 'There is no tool named "rm". Tools: calculator.', isError: true });
  });

  it("gives input that is not JSON back as an error result", async () => {
    const result = await run("echo", '{"text": "unterminated');
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/^The input is not valid JSON \(.+\): \{"text": "unterminated$/);
  });

  it("names each way the input breaks the schema", async () => {
    expect(await run("echo", '{"count": 1.5}')).toEqual({
      output: expect.stringMatching(/^The input does not match the tool's schema: text: .+; count: .+\.$/),
      isError: true,
    });
    expect((await run("calculator", '{"expression": "1", "extra": true}')).output).toContain(
      'Unrecognized key: "extra"',
    );
    expect((await run("echo", "[1, 2]")).output).toMatch(/^The input does not match the tool's schema: input: /);
  });

  it("takes empty input as no arguments", async () => {
    expect((await run("echo", "  ")).output).toMatch(/text: /);
  });

  it("turns a tool's failure, thrown at once or later, into an error result", async () => {
    expect(await run("throws", '{"text": ""}')).toEqual({
      output: "The tool throws failed: the disk is full",
      isError: true,
    });
    expect(await run("throws_now", '{"text": ""}')).toEqual({
      output: "The tool throws_now failed: not a function",
      isError: true,
    });
    expect(await run("no_text", '{"text": ""}')).toEqual({
      output: "The tool gave no text as its result.",
      isError: true,
    });
  });

  it("stops a call that runs past the timeout, whether or not the tool heeds its signal", async () => {
    expect(await run("waits", '{"text": ""}')).toEqual({
      output: "The tool waits did not finish within 0.2 s.",
      isError: true,
    });
    expect(await run("hangs", '{"text": ""}')).toEqual({
      output: "The tool hangs did not finish within 0.2 s.",
      isError: true,
    });
  });

  it("stops a call when the reply is stopped, aborting the tool's signal", async () => {
    const controller = new AbortController();
    let heard: unknown;
    const listening: Tool = tool("listens", (_, { abortSignal }) => {
      abortSignal.addEventListener("abort", () => {
        heard = abortSignal.reason;
      });
      controller.abort("cancel");
      return new Promise(() => {});
    });
    const result = await runTool(
      enable(listening),
      { toolName: "listens", input: '{"text": ""}' },
      context,
      { ...settings, timeoutMs: 60_000 },
      controller.signal,
    );
    expect(result).toEqual({ output: "The tool listens was stopped.", isError: true });
    expect(heard).toBe("cancel");
  });

  it("cuts output past the cap, saying so, within the cap", async () => {
    const long = "x".repeat(1000);
    const result = await run("echo", JSON.stringify({ text: long }));
    expect(result.isError).toBe(false);
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(settings.outputBytes);
    expect(result.output).toMatch(/^x+\n\[cut: the output was 1000 bytes, over the limit of 256\]$/);
  });

  it("passes the user and time zone to the tool, and keeps NUL out of what is stored", async () => {
    const seen = tool("context", async (_, given) => `${given.userId} ${given.timeZone}\u0000!`);
    const result = await runTool(
      enable(seen),
      { toolName: "context", input: '{"text": ""}' },
      context,
      settings,
      new AbortController().signal,
    );
    expect(result).toEqual({ output: "user-1 UTC!", isError: false });
  });
});

describe("capBytes", () => {
  it("never cuts a character in half", () => {
    const cut = capBytes("é".repeat(100), 80);
    expect(cut).not.toContain("\uFFFD");
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(80);
    expect(cut.startsWith("éé")).toBe(true);
  });
});

describe("ToolRegistry", () => {
  it("refuses a second tool of the same name, a name providers would refuse, and a schema that is not an object", () => {
    expect(() => new ToolRegistry().register(calculator).register(calculator)).toThrow("registered already");
    expect(() => new ToolRegistry().register({ ...calculator, name: "get weather" })).toThrow("letters, digits");
    expect(() => new ToolRegistry().register({ ...calculator, inputSchema: { type: "string" } })).toThrow(
      "object schema",
    );
  });

  it("lists tools in the order they were registered", () => {
    expect(registry.names().slice(0, 2)).toEqual(["calculator", "echo"]);
    expect(registry.list()[0]).toBe(calculator);
  });
});
