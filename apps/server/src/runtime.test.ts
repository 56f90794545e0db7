import { describe, expect, it } from "vitest";

describe("the runtime", () => {
  // Issue 8 §0: Node 20 is end-of-life; npm test fetches Node 24 where the machine's Node is older.
  it("is a supported Node (>= 22.12), whatever the machine's own Node is", () => {
    const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
    expect(major > 22 || (major === 22 && minor >= 12), `running on Node ${process.versions.node}`).toBe(true);
  });
});
