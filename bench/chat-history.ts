/**
 * What a long history costs: the last page of a 100,000-message conversation against a 100-message
 * one, and the time from sending a message to its reply's first delta against a new conversation.
 */
import { promptOf } from "./bench-model.ts";
import type { ChatClient } from "./chat-client.ts";
import { median, percentile } from "./report.ts";
import type { SeededConversation } from "./seed-conversation.ts";

const PAGE = 50;
const WARMUP_REQUESTS = 20;

export interface Latency {
  messages: number;
  medianMs: number;
  p95Ms: number;
}

export interface LastPageFigures {
  database: string;
  requests: number;
  long: Latency;
  short: Latency;
  /** Median on the long conversation ÷ median on the short one. */
  longVsShort: number;
  p95LongVsShort: number;
}

/** `GET /api/conversations/:id/messages?limit=50`, one request at a time, alternating the two conversations. */
export async function measureLastPage(
  client: ChatClient,
  database: string,
  conversations: { long: SeededConversation; short: SeededConversation },
  requests: number,
  progress: (message: string) => void,
): Promise<LastPageFigures> {
  const path = (conversation: SeededConversation) =>
    `/api/conversations/${conversation.conversationId}/messages?limit=${PAGE}`;
  for (const conversation of [conversations.long, conversations.short]) {
    const { body } = await client.timedGet(path(conversation));
    const page = (body as { data: { id: string }[] }).data;
    if (page.length !== PAGE || page.at(-1)?.id !== conversation.activeMessageId) {
      throw new Error(
        `The last page of the ${conversation.messages}-message conversation is not its last 50 messages.`,
      );
    }
  }
  progress(`last page: ${database}, ${requests} requests per conversation after ${WARMUP_REQUESTS} unmeasured`);
  const times = { long: [] as number[], short: [] as number[] };
  for (let request = -WARMUP_REQUESTS; request < requests; request++) {
    for (const name of ["long", "short"] as const) {
      const { ms } = await client.timedGet(path(conversations[name]));
      if (request >= 0) times[name].push(ms);
    }
  }
  const latency = (name: "long" | "short"): Latency => ({
    messages: conversations[name].messages,
    medianMs: median(times[name]),
    p95Ms: percentile(times[name], 95),
  });
  const long = latency("long");
  const short = latency("short");
  progress(
    `  ${long.messages} messages: median ${long.medianMs.toFixed(2)} ms, p95 ${long.p95Ms.toFixed(2)} ms; ` +
      `${short.messages}: median ${short.medianMs.toFixed(2)} ms, p95 ${short.p95Ms.toFixed(2)} ms`,
  );
  return {
    database,
    requests,
    long,
    short,
    longVsShort: long.medianMs / short.medianMs,
    p95LongVsShort: long.p95Ms / short.p95Ms,
  };
}

export interface FirstDelta {
  medianMs: number;
  /** The reply's prompt tokens as the engine's usage counts them: long histories fill the context. */
  promptTokens: number;
  /**
   * Sends whose prompt and reply together took more tokens than the context holds: node-llama-cpp then
   * shifts the context mid-reply, evaluating much of the prompt again (which its usage counts too).
   */
  overflowingSends: number;
}

export interface FirstDeltaFigures {
  sends: number;
  long: FirstDelta & { messages: number };
  fresh: FirstDelta;
  short: FirstDelta & { messages: number };
  longVsFresh: number;
  /** Like for like: both prompts fill the context, so this is what reading a long history adds. */
  longVsShort: number;
}

/**
 * POST …/messages to the reply's first `message.delta`, each reply finished before the next send, the
 * event stream opened before the POST. Rounds alternate the long conversation, a new one (created per
 * send, titled so no title generation runs after the reply) and the short one.
 */
export async function measureFirstDelta(
  client: ChatClient,
  conversations: { long: SeededConversation; short: SeededConversation },
  sends: number,
  contextSize: number,
  progress: (message: string) => void,
): Promise<FirstDeltaFigures> {
  progress(`first delta: ${sends} sends each to the long, a new and the short conversation`);
  type Send = { ms: number; promptTokens: number; isOverflowing: boolean };
  const timings = { long: [] as Send[], fresh: [] as Send[], short: [] as Send[] };
  for (let send = 1; send <= sends; send++) {
    for (const name of ["long", "fresh", "short"] as const) {
      const conversationId =
        name === "fresh" ? await client.createConversation(`new ${send}`) : conversations[name].conversationId;
      const stream = await client.openEvents(conversationId);
      try {
        const timing = await client.exchange(stream, conversationId, promptOf(8, send));
        timings[name].push({
          ms: timing.toFirstDeltaMs,
          promptTokens: timing.promptTokens,
          isOverflowing: timing.promptTokens + timing.completionTokens > contextSize,
        });
      } finally {
        stream.close();
      }
    }
    progress(
      `  ${send}/${sends}: ` +
        (["long", "fresh", "short"] as const)
          .map((name) => {
            const last = timings[name].at(-1) as Send;
            return `${name} ${last.ms.toFixed(0)} ms (${last.promptTokens} prompt tokens)`;
          })
          .join(", "),
    );
  }
  const summary = (name: "long" | "fresh" | "short"): FirstDelta => ({
    medianMs: median(timings[name].map((timing) => timing.ms)),
    promptTokens: median(timings[name].map((timing) => timing.promptTokens)),
    overflowingSends: timings[name].filter((timing) => timing.isOverflowing).length,
  });
  const long = { ...summary("long"), messages: conversations.long.messages };
  const fresh = summary("fresh");
  const short = { ...summary("short"), messages: conversations.short.messages };
  return {
    sends,
    long,
    fresh,
    short,
    longVsFresh: long.medianMs / fresh.medianMs,
    longVsShort: long.medianMs / short.medianMs,
  };
}
