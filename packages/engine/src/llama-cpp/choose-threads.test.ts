import { describe, expect, it } from "vitest";
import { chooseThreads } from "./choose-threads.ts";

describe("chooseThreads", () => {
  it("gives the prebuilt binary one thread per two cores, at least one", () => {
    expect(chooseThreads("prebuilt", 2)).toBe(1);
    expect(chooseThreads("prebuilt", 1)).toBe(1);
    expect(chooseThreads("prebuilt", 16)).toBe(8);
  });

  it("gives a local (OpenMP) build every core", () => {
    expect(chooseThreads("localBuild", 2)).toBe(2);
    expect(chooseThreads("localBuild", 16)).toBe(16);
  });
});
