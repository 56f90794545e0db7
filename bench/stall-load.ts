/**
 * The `stall` section's load: users sending maximum-size messages made of what makes tokenizers slow,
 * the inputs of apps/server/src/http-tests/pathological-input.test.ts.
 */
import type { ChatClient } from "./chat-client.ts";

/** Characters of the largest message: 200,000 "é" is 400 KB, under the 1 MiB body limit. */
const LARGEST_MESSAGE = 200_000;

/** Long unbroken runs, combining marks, astral characters, mixed scripts; each user sends them in turn. */
export const PATHOLOGICAL_INPUTS: Readonly<Record<string, string>> = {
  "200,000 é (400 KB)": "é".repeat(LARGEST_MESSAGE),
  "100,000 e + combining acute": "e\u0301".repeat(LARGEST_MESSAGE / 2),
  "100,000 emoji": "😀".repeat(LARGEST_MESSAGE / 2),
  "mixed scripts": "héllo мир 世界 مرحبا 😀 ".repeat(LARGEST_MESSAGE / 24),
  // Small enough in bytes to pass the cheap bound on a 16,384-token context: counted, in slices.
  "50,000 é (100 KB)": "é".repeat(LARGEST_MESSAGE / 4),
  "200,000 a": "a".repeat(LARGEST_MESSAGE),
};

/**
 * Sends the pathological inputs in turn, each once the previous one's reply has ended, until
 * `deadline`. Every one must be refused, either at once (413 `message-too-long`, when its size alone
 * says it cannot fit) or by its reply ending in error once counted (a reply that ends `done` means the
 * input fit and the figure would measure generation, not refusal). Returns milliseconds from each POST
 * to the refusal.
 */
export async function sendPathological(client: ChatClient, user: number, deadline: number): Promise<number[]> {
  const inputs = Object.entries(PATHOLOGICAL_INPUTS);
  const conversationId = await client.createConversation(`stall ${user}`);
  const stream = await client.openEvents(conversationId);
  const refusals: number[] = [];
  try {
    for (let index = user; performance.now() < deadline; index++) {
      const [name, content] = inputs[index % inputs.length] as [string, string];
      const posted = performance.now();
      const sent = await client.sendOrRefused(conversationId, content);
      if ("refused" in sent) {
        refusals.push(performance.now() - posted);
        continue;
      }
      const end = await client.waitForEnd(stream, sent.replyId);
      if (end.type !== "message.error") {
        throw new Error(`"${name}" was answered (${end.type}), not refused: ${JSON.stringify(end.data)}`);
      }
      refusals.push(end.receivedAt - posted);
    }
  } finally {
    stream.close();
  }
  return refusals;
}
