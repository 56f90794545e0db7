/** The chat section's table rows. */
import type { ChatFigures } from "./chat.ts";
import type { FirstDelta, LastPageFigures } from "./chat-history.ts";
import type { Row } from "./report.ts";

const count = (value: number) => value.toLocaleString("en");
const ms = (value: number) => value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0);

export function chatRows(figures: ChatFigures): Row[] {
  const { streaming, firstDelta, memory } = figures;
  const { long, fresh, short } = firstDelta;
  return [
    ["Engine settings", String(figures.threads), `threads, ${figures.contextSize}-token context, ${figures.buildType}`],
    [`Engine direct, ${streaming.replyTokens}-token reply`, streaming.engineTokensPerSecond.toFixed(1), "tok/s"],
    [
      "  same over SSE (first delta → done)",
      streaming.sseTokensPerSecond.toFixed(1),
      `tok/s (prompt ${Math.round(streaming.promptTokens.sse)} tokens, engine ${Math.round(streaming.promptTokens.engine)})`,
    ],
    ["  SSE vs engine direct", streaming.sseVsEngine.toFixed(2), `ratio (median of ${streaming.repetitions} pairs)`],
    ...lastPageRows(figures.lastPage.pglite),
    ...("skipped" in figures.lastPage.postgres
      ? [["Last 50 messages on PostgreSQL", "—", `skipped: ${figures.lastPage.postgres.skipped}`] as Row]
      : lastPageRows(figures.lastPage.postgres)),
    [
      `POST to first delta, ${count(long.messages)} messages`,
      ms(long.medianMs),
      `ms (median of ${firstDelta.sends}; ${prompt(long, firstDelta.sends, figures.contextSize)})`,
    ],
    ["  new conversation", ms(fresh.medianMs), `ms (${prompt(fresh, firstDelta.sends, figures.contextSize)})`],
    [
      `  ${count(short.messages)} messages`,
      ms(short.medianMs),
      `ms (${prompt(short, firstDelta.sends, figures.contextSize)})`,
    ],
    [`  ${count(long.messages)} vs new`, firstDelta.longVsFresh.toFixed(2), "ratio (longer prompt included)"],
    [
      `  ${count(long.messages)} vs ${count(short.messages)}`,
      firstDelta.longVsShort.toFixed(2),
      "ratio (prompts of the same length)",
    ],
    ["Server idle resident memory after start", memory.idleRssMb.toFixed(1), "MB"],
    ["  after the first reply (model loaded)", memory.afterFirstReplyRssMb.toFixed(1), "MB"],
    [
      `  after ${count(memory.messages)} messages`,
      memory.afterRssMb.toFixed(1),
      `MB (${memory.sends} sends in ${memory.conversations} conversations, ${memory.replyTokens}-token replies, ` +
        `${memory.seconds.toFixed(0)} s)`,
    ],
    ["  vs idle after start", memory.afterVsIdle.toFixed(2), "ratio"],
    ["  growth per message after the first reply", memory.perMessageKb.toFixed(1), "KB"],
    ["  peak", memory.peakRssMb.toFixed(1), "MB"],
  ];
}

/** Prompt tokens as the engine's usage counts them, and how many replies overflowed the context. */
function prompt(figures: FirstDelta, sends: number, contextSize: number): string {
  const overflow =
    figures.overflowingSends === 0
      ? ""
      : `; ${figures.overflowingSends}/${sends} overflowed the ${contextSize}-token context`;
  return `prompt ${Math.round(figures.promptTokens)} tokens${overflow}`;
}

function lastPageRows(figures: LastPageFigures): Row[] {
  const { long, short } = figures;
  return [
    [
      `Last 50 of ${count(long.messages)} messages, ${figures.database}`,
      ms(long.medianMs),
      `ms median (${figures.requests} requests), p95 ${ms(long.p95Ms)} ms`,
    ],
    [`  last 50 of ${count(short.messages)} messages`, ms(short.medianMs), `ms median, p95 ${ms(short.p95Ms)} ms`],
    [
      `  ${count(long.messages)} vs ${count(short.messages)}`,
      figures.longVsShort.toFixed(2),
      `ratio of medians (p95: ${figures.p95LongVsShort.toFixed(2)})`,
    ],
  ];
}
