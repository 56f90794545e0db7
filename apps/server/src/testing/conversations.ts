import type { components } from "@hearth/sdk";
import type { TestClient } from "./test-client.ts";

/** A message as the API returns it. */
export type Message = components["schemas"]["Message"];
/** A message as the conversation's tree holds it (a Message without its siblings). */
export type MessageNode = components["schemas"]["MessageNode"];
/** What sending (or editing) a message answers: the question and its pending reply. */
export type Exchange = components["schemas"]["Exchange"];

export async function createConversation(
  client: TestClient,
  body: { title?: string; model?: string; systemPrompt?: string } = {},
): Promise<string> {
  const response = await client.post<{ id: string }>("/api/conversations", body);
  if (response.status !== 201) throw new Error(`creating a conversation answered ${response.status}: ${response.text}`);
  return response.body.id;
}

/** Sends a message; anything but 202 fails the test with the server's answer. */
export async function sendMessage(
  client: TestClient,
  conversationId: string,
  content: string,
  extra: Record<string, unknown> = {},
): Promise<Exchange> {
  const response = await client.post<Exchange>(`/api/conversations/${conversationId}/messages`, {
    content,
    ...extra,
  });
  if (response.status !== 202) throw new Error(`sending answered ${response.status}: ${response.text}`);
  return response.body;
}

/** A message of the conversation's tree, as stored now. */
export async function storedMessage(client: TestClient, conversationId: string, messageId: string) {
  const path = `/api/conversations/${conversationId}/tree?limit=1000`;
  const tree = await client.get<components["schemas"]["MessageTree"]>(path);
  return tree.body.data.find((message) => message.id === messageId) as MessageNode;
}

/** Waits until a reply has left pending and streaming, polling like a client without SSE would. */
export async function settledReply(client: TestClient, conversationId: string, messageId: string) {
  for (let attempt = 0; attempt < 400; attempt++) {
    const message = await storedMessage(client, conversationId, messageId);
    if (message && !["pending", "streaming"].includes(message.status)) return message;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`reply ${messageId} never finished`);
}

/** Waits until the search sweep has indexed every message of the client's. */
export async function searchIndexed(client: TestClient) {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { body } = await client.get<{ indexing: { messagesToIndex: number } }>("/api/search?q=x&mode=keyword");
    if (body.indexing.messagesToIndex === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the messages were never indexed");
}
