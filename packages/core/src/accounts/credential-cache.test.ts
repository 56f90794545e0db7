import { describe, expect, it } from "vitest";
import { CredentialCache } from "./credential-cache.ts";

describe("the credential cache", () => {
  it("answers while an entry is fresh, and not after its time to live", () => {
    let now = 0;
    const cache = new CredentialCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => now });
    cache.set("a", "ada");
    now = 999;
    expect(cache.get("a")).toBe("ada");
    now = 1000;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("keeps at most maxEntries, the oldest stored going first", () => {
    const cache = new CredentialCache<number>({ ttlMs: 60_000, maxEntries: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 3);
    cache.set("c", 4);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([3, undefined, 4]);
  });

  it("forgets everything on invalidate and tells the other nodes; clear tells no one", () => {
    const told: string[] = [];
    const cache = new CredentialCache<number>({ ttlMs: 60_000, maxEntries: 10, onInvalidate: () => told.push("x") });
    cache.set("a", 1);
    cache.invalidate();
    expect(cache.get("a")).toBeUndefined();
    cache.set("b", 2);
    cache.clear();
    expect(cache.get("b")).toBeUndefined();
    expect(told).toEqual(["x"]);
  });

  it("keeps nothing with a time to live of 0", () => {
    const cache = new CredentialCache<number>({ ttlMs: 0, maxEntries: 10 });
    cache.set("a", 1);
    expect(cache.get("a")).toBeUndefined();
  });
});
