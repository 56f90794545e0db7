import type { CommonProblem } from "../problems.ts";
import type { LimitName } from "./user-limits.ts";

export type LimitProblem = Extract<CommonProblem, { code: "limit-exceeded" | "storage-quota-exceeded" }>;

/** Each limit in words, after its value: "5 API keys". */
const LIMIT_WORDS: Record<LimitName, string> = {
  eventStreams: "open event streams",
  apiKeys: "API keys",
  conversationsPerMinute: "new conversations per minute",
  messagesPerMinute: "messages (sends, edits and regenerations) per minute",
  storageBytes: "bytes of stored message text",
};

export const limitProblems = {
  /** A cap was reached; `whatToDo` ends the detail ("Revoke a key you no longer use"). */
  limitExceeded: (
    limit: Exclude<LimitName, "storageBytes">,
    value: number,
    whatToDo: string,
    retryAfterSeconds?: number,
  ): LimitProblem => ({
    code: "limit-exceeded",
    detail: `You have reached your limit of ${value} ${LIMIT_WORDS[limit]}. ${whatToDo}`,
    limit,
    value,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  }),
  storageQuotaExceeded: (value: number, usedBytes: number, addedBytes: number): LimitProblem => ({
    code: "storage-quota-exceeded",
    detail:
      `This would take your stored message text to ${usedBytes + addedBytes} bytes, past your quota of ` +
      `${value} ${LIMIT_WORDS.storageBytes} (${usedBytes} used). Delete conversations you no longer need ` +
      "(deleted ones count until they are purged), send less, or ask an admin to raise your quota.",
    limit: "storageBytes",
    value,
    usedBytes,
  }),
};
