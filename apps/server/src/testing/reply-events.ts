import type { ConversationEvent, ReceivedEvent } from "@hearth/sdk";
import type { ServerSentEvent } from "./event-stream-client.ts";

/** Events as the SDK yields them (`EventRecorder`), or as the raw client read them off the wire. */
type RecordedEvent = ReceivedEvent | ServerSentEvent;
type ReplyEnd = Extract<ConversationEvent, { type: "message.done" | "message.error" }>["data"];

/** An event typed by the published union, whichever client recorded it. */
function typed(event: RecordedEvent): ConversationEvent {
  if (!("event" in event)) return event;
  return { type: event.event, data: JSON.parse(event.data) } as ConversationEvent;
}

/** The text of a reply as assembled from its `message.delta` events. */
export function assembledText(events: readonly RecordedEvent[], messageId: string): string {
  let text = "";
  for (const event of events.map(typed)) {
    if (event.type === "message.delta" && event.data.messageId === messageId) text += event.data.delta;
  }
  return text;
}

/** The data of a reply's `message.done` or `message.error` event, if it has come. */
export function endOf(events: readonly RecordedEvent[], messageId: string): ReplyEnd | undefined {
  for (const event of events.map(typed)) {
    const isEnd = event.type === "message.done" || event.type === "message.error";
    if (isEnd && event.data.messageId === messageId) return event.data;
  }
  return undefined;
}
