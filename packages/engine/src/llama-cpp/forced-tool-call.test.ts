import { describe, expect, it } from "vitest";
import { ForcedCallReader } from "./forced-tool-call.ts";

/** Feeds `chunks` to a reader and returns what it handed out. */
function read(chunks: string[]) {
  const reader = new ForcedCallReader();
  const deltas = chunks.map((chunk) => reader.read(chunk)).filter((delta) => delta !== "");
  return { reader, deltas };
}

describe("ForcedCallReader", () => {
  it("hands out the arguments only, as they come, whatever the whitespace of the grammar", () => {
    const text = '{ "name":\n "get_time", "arguments": {\n  "zone": "UTC" }\n}';
    const { reader, deltas } = read([...text]);
    expect(reader).toMatchObject({ toolName: "get_time", isComplete: true, input: '{\n  "zone": "UTC" }' });
    expect(deltas.join("")).toBe(reader.input);
  });

  it("is not fooled by braces and quotes inside strings", () => {
    const text = '{"name": "note", "arguments": {"text": "a } \\" { b", "list": [{"x": "]"}]}}';
    const { reader } = read(text.match(/.{1,3}/gs) as string[]);
    expect(reader.isComplete).toBe(true);
    expect(JSON.parse(reader.input)).toEqual({ text: 'a } " { b', list: [{ x: "]" }] });
  });

  it("reads a name with escapes", () => {
    const { reader } = read(['{"name": "a\\u005fb", "arguments": {}}']);
    expect(reader).toMatchObject({ toolName: "a_b", input: "{}", isComplete: true });
  });

  it("is incomplete until the arguments close", () => {
    const { reader } = read(['{"name": "note", "arguments": {"text": "unfinished']);
    expect(reader.isComplete).toBe(false);
    expect(reader.input).toBe('{"text": "unfinished');
  });
});
