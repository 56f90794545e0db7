import { describe, expect, it } from "vitest";
import { currentTimeTool } from "./current-time.ts";

// Just after Europe's clocks went forward in 2026.
const now = new Date("2026-03-29T01:30:00.000Z");
const tool = currentTimeTool({ now: () => now });
const context = (timeZone: string) => ({ userId: "u", timeZone, abortSignal: new AbortController().signal });

describe("the current_time tool", () => {
  it("gives the time in the user's time zone by default", async () => {
    expect(JSON.parse(await tool.run({}, context("UTC")))).toEqual({
      timeZone: "UTC",
      localTime: "2026-03-29T01:30:00+00:00",
      weekday: "Sunday",
      utc: "2026-03-29T01:30:00.000Z",
    });
  });

  it("gives the time in a time zone the model names, with its offset that day", async () => {
    expect(JSON.parse(await tool.run({ timeZone: "Europe/Oslo" }, context("UTC")))).toMatchObject({
      timeZone: "Europe/Oslo",
      localTime: "2026-03-29T03:30:00+02:00",
    });
    expect(JSON.parse(await tool.run({ timeZone: "America/Lima" }, context("UTC")))).toMatchObject({
      localTime: "2026-03-28T20:30:00-05:00",
      weekday: "Saturday",
    });
  });

  it("refuses a name that is not a time zone, saying what to give", async () => {
    await expect(tool.run({ timeZone: "Mars/Olympus_Mons" }, context("UTC"))).rejects.toThrow(
      '"Mars/Olympus_Mons" is not a time zone: give an IANA name such as Europe/Oslo or UTC.',
    );
  });
});
