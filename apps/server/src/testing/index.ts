export type { ExchangeBody, MessageBody } from "./conversations.ts";
export { createConversation, sendMessage, settledReply, storedMessage } from "./conversations.ts";
export type { ServerSentEvent } from "./event-stream-client.ts";
export { assembledText, EventStreamClient, endOf } from "./event-stream-client.ts";
export { ManualClock } from "./manual-clock.ts";
export type { RequestOptions, TestResponse } from "./test-client.ts";
export { TestClient } from "./test-client.ts";
export type { TestServer } from "./test-server.ts";
export { ADMIN, signedInAdmin, signedInUser, startTestServer, TEST_METRICS_TOKEN } from "./test-server.ts";
