/**
 * The server's resident memory after many short exchanges against its idle memory right after start,
 * with a reading after the first reply in between (the model is loaded then), so growth per message
 * shows apart from the model's one-off cost.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { promptOf } from "./bench-model.ts";
import type { ChatClient } from "./chat-client.ts";
import { IDLE_WAIT_MS, readMemory } from "./server-process.ts";

/** Sends per conversation: the prompts stay short (no prompt grows past ≈ 10 exchanges). */
const SENDS_PER_CONVERSATION = 10;

export interface MemoryFigures {
  sends: number;
  messages: number;
  conversations: number;
  replyTokens: number;
  seconds: number;
  idleRssMb: number;
  afterFirstReplyRssMb: number;
  afterRssMb: number;
  peakRssMb: number;
  afterVsIdle: number;
  /** (after − after the first reply) ÷ the messages in between, in KB. */
  perMessageKb: number;
}

/** Runs on a server just started with chat.maxReplyTokens = `replyTokens`. */
export async function measureMemory(
  client: ChatClient,
  pid: number,
  sends: number,
  replyTokens: number,
  progress: (message: string) => void,
): Promise<MemoryFigures> {
  progress(`memory: idling ${IDLE_WAIT_MS / 1000} s, then ${sends} sends of ${replyTokens}-token replies`);
  await sleep(IDLE_WAIT_MS);
  const idle = await readMemory(pid);
  let afterFirstReplyRssMb: number | undefined;
  let sent = 0;
  let conversations = 0;
  const started = performance.now();
  while (sent < sends) {
    conversations++;
    const conversationId = await client.createConversation(`memory ${conversations}`);
    const stream = await client.openEvents(conversationId);
    try {
      for (let turn = 0; turn < SENDS_PER_CONVERSATION && sent < sends; turn++) {
        await client.exchange(stream, conversationId, promptOf(6, sent));
        sent++;
        afterFirstReplyRssMb ??= (await readMemory(pid)).rssMb;
      }
    } finally {
      stream.close();
    }
    if (conversations % 10 === 0) {
      progress(`  ${sent}/${sends} sends, ${(await readMemory(pid)).rssMb.toFixed(0)} MB resident`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const after = await readMemory(pid);
  const firstReply = afterFirstReplyRssMb as number;
  return {
    sends,
    messages: 2 * sends,
    conversations,
    replyTokens,
    seconds,
    idleRssMb: idle.rssMb,
    afterFirstReplyRssMb: firstReply,
    afterRssMb: after.rssMb,
    peakRssMb: after.peakRssMb,
    afterVsIdle: after.rssMb / idle.rssMb,
    perMessageKb: sends > 1 ? ((after.rssMb - firstReply) * 1024) / (2 * (sends - 1)) : 0,
  };
}
