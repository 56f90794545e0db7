import { describe, expect, it } from "vitest";
import { ModelCalls } from "./model-calls.ts";

describe("ModelCalls", () => {
  it("counts a call from its start until it ends, however often it is ended", () => {
    const calls = new ModelCalls();
    const first = calls.begin();
    const second = calls.begin();
    expect(calls.activeCount).toBe(2);
    first.end();
    first.end();
    expect(calls.activeCount).toBe(1);
    second.end();
    expect(calls.activeCount).toBe(0);
  });

  it("reports the tokens a call wrote to the metrics, by model, and nothing for none", () => {
    const counted: [string, number][] = [];
    const calls = new ModelCalls({ tokensGenerated: (model, tokens) => counted.push([model, tokens]) });
    calls.tokensGenerated("local/tiny-chat", 7);
    calls.tokensGenerated("local/tiny-chat", 0);
    expect(counted).toEqual([["local/tiny-chat", 7]]);
  });
});
