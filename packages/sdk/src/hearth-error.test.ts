import { describe, expect, expectTypeOf, it } from "vitest";
import { HearthError, isHearthError } from "./hearth-error.ts";

const problem = { type: "about:blank", title: "Not found", status: 404, detail: "No such conversation." };

describe("isHearthError", () => {
  it("narrows a caught error's code to the codes asked for", () => {
    const caught: unknown = new HearthError({ ...problem, code: "conversation-not-found" });
    expect(isHearthError(caught)).toBe(true);
    expect(isHearthError(caught, "unauthenticated")).toBe(false);
    if (!isHearthError(caught, "conversation-not-found", "unauthenticated")) throw new Error("not narrowed");
    expectTypeOf(caught.code).toEqualTypeOf<"conversation-not-found" | "unauthenticated">();
    expect(caught.problem.detail).toBe("No such conversation.");
  });

  it("knows a HearthError from another copy of the SDK, and nothing else", () => {
    const fromAnotherCopy = Object.assign(new Error("Not found"), { name: "HearthError", code: "x", status: 404 });
    expect(isHearthError(fromAnotherCopy, "x")).toBe(true);
    for (const other of [new Error("plain"), { name: "HearthError", code: "x", status: 404 }, "x", undefined]) {
      expect(isHearthError(other)).toBe(false);
    }
  });
});
