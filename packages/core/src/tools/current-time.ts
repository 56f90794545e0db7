import type { Clock } from "../clock.ts";
import type { Tool } from "./tool.ts";

/** The date and time now, in the user's time zone or one the model names. */
export function currentTimeTool(clock: Clock): Tool {
  return {
    name: "current_time",
    description:
      "The current date, time and weekday. Give `timeZone` (an IANA name such as Europe/Oslo or America/Lima) for " +
      "another place; by default the user's own time zone.",
    inputSchema: {
      type: "object",
      properties: {
        timeZone: { type: "string", minLength: 1, maxLength: 64, description: "An IANA time zone name." },
      },
      additionalProperties: false,
    },
    async run(input, context) {
      const { timeZone = context.timeZone } = input as { timeZone?: string };
      return JSON.stringify(describeTime(clock.now(), timeZone));
    },
  };
}

function describeTime(now: Date, timeZone: string) {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "long",
      hourCycle: "h23",
      timeZoneName: "longOffset",
    });
  } catch {
    throw new Error(`${JSON.stringify(timeZone)} is not a time zone: give an IANA name such as Europe/Oslo or UTC.`);
  }
  const part = Object.fromEntries(format.formatToParts(now).map(({ type, value }) => [type, value]));
  // "GMT+02:00" as an ISO offset; plain "GMT" is UTC.
  const offset = part.timeZoneName === "GMT" ? "+00:00" : String(part.timeZoneName).replace("GMT", "");
  return {
    timeZone: format.resolvedOptions().timeZone,
    localTime: `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}${offset}`,
    weekday: part.weekday,
    utc: now.toISOString(),
  };
}
