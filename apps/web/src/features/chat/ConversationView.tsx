import { type components, followConversation, unwrap } from "@hearth/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { client } from "../../lib/client.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { queryKeys } from "../../lib/query-keys.ts";
import { Composer } from "./Composer.tsx";
import { MessageView } from "./MessageView.tsx";

type Message = components["schemas"]["Message"];

/** One conversation: its active branch, following its events live, and the composer. */
export function ConversationView({ conversationId }: { conversationId: string | undefined }) {
  const { t } = useTranslation("chat");
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (conversationId === undefined) return;
    const stop = new AbortController();
    void (async () => {
      try {
        const path = unwrap(
          await client.api.GET("/api/conversations/{id}/messages", {
            params: { path: { id: conversationId }, query: { limit: 200 } },
          }),
        );
        setMessages(path.data);
        for await (const event of followConversation(client, conversationId, { signal: stop.signal })) {
          if (event.type === "message.created") {
            setMessages((list) => [...list, { ...event.data, siblingIds: [event.data.id] }]);
          } else if (event.type === "message.delta") {
            const { messageId, delta } = event.data;
            setMessages((list) =>
              list.map((message) =>
                message.id === messageId
                  ? { ...message, content: message.content + delta, status: "streaming" }
                  : message,
              ),
            );
          } else if (event.type === "message.done" || event.type === "message.error") {
            const { messageId, status } = event.data;
            setMessages((list) => list.map((message) => (message.id === messageId ? { ...message, status } : message)));
            void queries.invalidateQueries({ queryKey: queryKeys.conversations });
          }
        }
      } catch (caught) {
        if (!stop.signal.aborted) setError(problemMessage(caught, t));
      }
    })();
    return () => stop.abort();
  }, [conversationId, queries, t]);

  const streaming = messages.find((message) => message.status === "streaming" || message.status === "pending");

  const send = async (content: string) => {
    let id = conversationId;
    if (id === undefined) {
      id = unwrap(await client.api.POST("/api/conversations", { body: {} })).id;
    }
    const parentId = messages.at(-1)?.id ?? null;
    unwrap(
      await client.api.POST("/api/conversations/{id}/messages", {
        params: { path: { id } },
        body: { content, parentId },
      }),
    );
    void queries.invalidateQueries({ queryKey: queryKeys.conversations });
    if (conversationId === undefined) navigate(`/c/${id}`);
  };

  const stop = async () => {
    if (streaming !== undefined)
      await client.api.POST("/api/messages/{id}/cancel", { params: { path: { id: streaming.id } } });
  };

  return (
    <div className="flex h-full flex-col">
      <div className="min-h-0 flex-1 overflow-y-auto">
        <div className="mx-auto flex max-w-3xl flex-col gap-4 px-4 py-6">
          {messages.length === 0 && conversationId === undefined && (
            <h1 className="mt-[20vh] text-center text-2xl font-semibold">{t("emptyTitle")}</h1>
          )}
          {messages.map((message) => (
            <MessageView key={message.id} message={message} />
          ))}
          {error !== undefined && (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          )}
        </div>
      </div>
      <Composer isStreaming={streaming !== undefined} onSend={send} onStop={stop} />
    </div>
  );
}
