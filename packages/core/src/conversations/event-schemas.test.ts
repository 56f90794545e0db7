import { describe, expect, it } from "vitest";
import { type EventData, serializeEventData } from "./event-schemas.ts";
import { newEvent } from "./events.ts";

const messageId = "00000000-0000-4000-8000-000000000001";

describe("newEvent", () => {
  it("serialises data that matches its type's schema", () => {
    expect(newEvent("message.delta", { messageId, delta: "Hi" })).toEqual({
      type: "message.delta",
      data: JSON.stringify({ messageId, delta: "Hi" }),
    });
  });

  it("throws on data that does not match its type, naming the type and the field", () => {
    const wrong = { messageId, status: "error", usage: null } as unknown as EventData<"message.done">;
    expect(() => newEvent("message.done", wrong)).toThrow(/message\.done event's data .*status/s);
    expect(() => newEvent("message.delta", { messageId: "not-a-uuid", delta: "" })).toThrow(/messageId/);
  });

  it("sends only the fields of the schema", () => {
    const extra = { messageId, delta: "Hi", secret: "kept out" } as EventData<"message.delta">;
    expect(JSON.parse(serializeEventData("message.delta", extra))).toEqual({ messageId, delta: "Hi" });
  });
});
