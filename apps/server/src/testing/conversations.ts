import type { TestClient } from "./test-client.ts";

/** A message as the API returns it. */
export interface MessageBody {
  id: string;
  conversationId: string;
  parentId: string | null;
  role: "user" | "assistant";
  content: string;
  status: string;
  model: string | null;
  error: string | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  contextMessages: number | null;
  siblingIds: string[];
}

/** What sending (or editing) a message answers: the question and its pending reply. */
export interface ExchangeBody {
  userMessage: MessageBody;
  assistantMessage: MessageBody;
}

export async function createConversation(client: TestClient, body: { title?: string } = {}): Promise<string> {
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
): Promise<ExchangeBody> {
  const response = await client.post<ExchangeBody>(`/api/conversations/${conversationId}/messages`, {
    content,
    ...extra,
  });
  if (response.status !== 202) throw new Error(`sending answered ${response.status}: ${response.text}`);
  return response.body;
}

/** A message of the conversation's tree, as stored now. */
export async function storedMessage(client: TestClient, conversationId: string, messageId: string) {
  const tree = await client.get<{ data: MessageBody[] }>(`/api/conversations/${conversationId}/tree?limit=1000`);
  return tree.body.data.find((message) => message.id === messageId) as MessageBody;
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
