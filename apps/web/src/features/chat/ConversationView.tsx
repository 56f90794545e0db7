import { isHearthError, unwrap } from "@hearth/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { Button } from "../../components/ui/button.tsx";
import { client } from "../../lib/client.ts";
import { newChatBody } from "../../lib/new-chat-settings.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useShortcut } from "../../lib/shortcuts.ts";
import { Composer } from "./Composer.tsx";
import { type ChatActions, ChatContext, type ChatContextValue } from "./chat-context.ts";
import { lastCodeBlock, lastOf, type Message, streamingReply } from "./conversation-data.ts";
import { MessageList, type MessageListHandle } from "./MessageList.tsx";
import { getConversationData, useConversationData, useConversationSync } from "./use-conversation.ts";
import { useMessageReveal } from "./use-message-reveal.ts";

/** A finished reply is read out up to this many characters (a screen reader can read the rest from the page). */
const ANNOUNCED_CHARS = 1500;

interface ConversationViewProps {
  /** Undefined for a new chat: the first message creates the conversation. */
  conversationId: string | undefined;
  /** Shown above the conversation (the model picker and tools, composed by the app). */
  toolbar?: ReactNode;
}

/** One conversation: its active branch, followed live, its messages' actions and the composer. */
export function ConversationView({ conversationId, toolbar }: ConversationViewProps) {
  const { t } = useTranslation("chat");
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const [announcement, setAnnouncement] = useState("");
  /** What the last action failed with, and how to try it again (a failed send puts its text back instead). */
  const [actionError, setActionError] = useState<{ message: string; retry?: () => void } | undefined>();
  const [editingId, setEditingId] = useState<string | undefined>();
  const [queued, setQueued] = useState<string | undefined>();
  const list = useRef<MessageListHandle>(null);
  /** A new chat's conversation, once created: sending again after a failed first message reuses it. */
  const created = useRef<string | undefined>(undefined);
  const composer = useRef<HTMLTextAreaElement>(null);

  const sync = useConversationSync(conversationId, {
    onReplyDone: (message) => setAnnouncement(t("status.replyFinished", { text: announced(message.content) })),
  });
  // The id, not the message: this view re-renders when a reply starts or ends, not on each of its tokens.
  const isStreaming = useConversationData(conversationId, (data) => streamingReply(data)?.id) !== undefined;

  const current = useCallback(
    () => (conversationId === undefined ? undefined : getConversationData(queries, conversationId)),
    [conversationId, queries],
  );
  const fail = useCallback(
    (error: unknown, retry?: () => void) =>
      setActionError({ message: problemMessage(error, t), ...(retry === undefined ? {} : { retry }) }),
    [t],
  );

  // A message opened from search (?message=): its branch shown, scrolled to and marked.
  const reveal = useMessageReveal(conversationId, {
    isReady: !sync.isLoading && sync.loadError === undefined,
    loadOlder: sync.loadOlder,
    onError: fail,
  });
  useEffect(() => {
    if (reveal !== undefined) setAnnouncement(t("status.messageShown"));
  }, [reveal, t]);

  const sendNow = useCallback(
    async (content: string) => {
      setActionError(undefined);
      try {
        let id = conversationId ?? created.current;
        if (id === undefined) {
          id = unwrap(await client.api.POST("/api/conversations", { body: newChatBody() })).id;
          created.current = id;
        }
        unwrap(
          await client.api.POST("/api/conversations/{id}/messages", { params: { path: { id } }, body: { content } }),
        );
        if (conversationId === undefined) navigate(`/c/${id}`);
        else list.current?.scrollToEnd();
      } catch (error) {
        fail(error);
        throw error;
      }
    },
    [conversationId, navigate, fail],
  );

  const send = useCallback(
    async (content: string) => {
      // A reply is being written: the message waits for its end.
      if (streamingReply(current()) !== undefined) {
        setQueued((waiting) => (waiting === undefined ? content : `${waiting}\n\n${content}`));
        return;
      }
      await sendNow(content);
    },
    [current, sendNow],
  );

  // The reply ended: the queued message goes now.
  useEffect(() => {
    if (isStreaming || queued === undefined) return;
    setQueued(undefined);
    // Not sent: the error says why, and trying again sends it (it is not queued again, to be retried forever).
    sendNow(queued).catch(() =>
      setActionError((error) => error && { ...error, retry: () => void sendNow(queued).catch(() => {}) }),
    );
  }, [isStreaming, queued, sendNow]);

  const stop = useCallback(async () => {
    const reply = streamingReply(current());
    if (reply === undefined) return false;
    try {
      unwrap(await client.api.POST("/api/messages/{id}/cancel", { params: { path: { id: reply.id } } }));
    } catch (error) {
      // It ended meanwhile: nothing was left to stop.
      if (!(isHearthError(error) && error.code === "reply-finished")) fail(error, () => void stopRef.current());
    }
    return true;
  }, [current, fail]);

  const stopRef = useRef(stop);
  stopRef.current = stop;

  const actions = useMemo<ChatActions>(
    () => ({
      regenerate: function regenerate(messageId) {
        setActionError(undefined);
        client.api
          .POST("/api/messages/{id}/regenerate", { params: { path: { id: messageId } } })
          .then(unwrap)
          .then(
            () => list.current?.scrollToEnd(),
            (error) => fail(error, () => regenerate(messageId)),
          );
      },
      startEdit: (messageId) => setEditingId(messageId),
      cancelEdit: () => {
        setEditingId(undefined);
        composer.current?.focus();
      },
      saveEdit: async (messageId, content) => {
        setActionError(undefined);
        try {
          unwrap(
            await client.api.PATCH("/api/messages/{id}", { params: { path: { id: messageId } }, body: { content } }),
          );
          setEditingId(undefined);
          list.current?.scrollToEnd();
        } catch (error) {
          // The edited text stays in its box: saving again is the retry.
          fail(error);
        }
      },
      activate: function activate(messageId) {
        setActionError(undefined);
        client.api
          .POST("/api/messages/{id}/activate", { params: { path: { id: messageId } } })
          .then(unwrap)
          // The branch shown changes below the message: the path is loaded again.
          .then(
            () => sync.reload(),
            (error) => fail(error, () => activate(messageId)),
          );
      },
      copy: async (text) => {
        try {
          await navigator.clipboard.writeText(text);
          setAnnouncement(t("status.copied"));
          return true;
        } catch (error) {
          fail(error);
          return false;
        }
      },
    }),
    [fail, sync.reload, t],
  );
  const context = useMemo<ChatContextValue | null>(
    () => (conversationId === undefined ? null : { conversationId, actions }),
    [conversationId, actions],
  );

  const editLast = useCallback(() => {
    const question = lastOf(current(), "user");
    if (question === undefined || streamingReply(current()) !== undefined) return false;
    setEditingId(question.id);
    list.current?.scrollToMessage(question.id);
    return true;
  }, [current]);

  useShortcut("stop", () => {
    if (streamingReply(current()) === undefined) return false;
    void stop();
    return true;
  });
  useShortcut("regenerate", () => {
    const reply = lastOf(current(), "assistant");
    if (reply === undefined || streamingReply(current()) !== undefined) return false;
    actions.regenerate(reply.id);
    return true;
  });
  useShortcut("editLast", () => editLast());
  useShortcut("focusComposer", () => {
    composer.current?.focus();
    return true;
  });
  useShortcut("copyLastReply", () => {
    const reply = lastOf(current(), "assistant");
    if (reply === undefined || reply.content === "") return false;
    void actions.copy(reply.content);
    return true;
  });
  useShortcut("copyLastCode", () => {
    const code = lastCodeBlockOf(current());
    if (code === undefined) {
      setAnnouncement(t("status.noCode"));
      return true;
    }
    void actions.copy(code);
    return true;
  });

  const problem = sync.loadError ?? sync.liveError;
  return (
    <div className="flex h-full flex-col">
      {toolbar}
      <h1 className="sr-only">{t("title")}</h1>
      <div className="relative min-h-0 flex-1">
        {conversationId === undefined ? (
          <div className="flex h-full items-center justify-center px-4">
            <p className="text-center text-2xl font-semibold">{t("emptyTitle")}</p>
          </div>
        ) : sync.isLoading ? (
          <p className="p-6 text-center text-muted-foreground" aria-busy="true">
            {t("list.loading")}
          </p>
        ) : (
          context !== null &&
          sync.loadError === undefined && (
            <ChatContext value={context}>
              <MessageList
                ref={list}
                editingId={editingId}
                reveal={reveal}
                isLoadingOlder={sync.isLoadingOlder}
                onNearTop={sync.loadOlder}
                onNearBottom={sync.loadNewer}
                onAtEnd={sync.keepNewestPage}
                onJumpToLatest={sync.reload}
              />
            </ChatContext>
          )
        )}
      </div>
      <div className="mx-auto flex w-full max-w-3xl flex-col gap-1 px-4 empty:hidden">
        {problem !== undefined && (
          <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-destructive">
            <p>
              {sync.loadError === undefined
                ? t("errors.live", { reason: problem })
                : t("errors.load", { reason: problem })}
            </p>
            <Button onClick={sync.reload}>{t("common:retry")}</Button>
          </div>
        )}
        {problem === undefined && sync.connection === "reconnecting" && (
          <p role="status" className="text-sm text-muted-foreground">
            {t("status.reconnecting")}
          </p>
        )}
        {sync.olderError !== undefined && (
          <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-destructive">
            <p>{t("errors.older", { reason: sync.olderError })}</p>
            <Button onClick={() => void sync.loadOlder()}>{t("common:retry")}</Button>
          </div>
        )}
        {actionError !== undefined && (
          <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-destructive">
            <p>{actionError.message}</p>
            {actionError.retry !== undefined && <Button onClick={actionError.retry}>{t("common:retry")}</Button>}
            <Button variant="ghost" onClick={() => setActionError(undefined)}>
              {t("errors.dismiss")}
            </Button>
          </div>
        )}
      </div>
      <Composer
        ref={composer}
        draftKey={conversationId ?? "new"}
        isStreaming={isStreaming}
        queued={queued}
        onSend={send}
        onStop={() => void stop()}
        onCancelQueued={() => setQueued(undefined)}
        onEditLast={editLast}
      />
      <div role="status" aria-live="polite" aria-atomic="true" className="sr-only">
        {announcement}
      </div>
    </div>
  );
}

function announced(text: string): string {
  return text.length > ANNOUNCED_CHARS ? `${text.slice(0, ANNOUNCED_CHARS)}…` : text;
}

function lastCodeBlockOf(data: Parameters<typeof lastOf>[0]): string | undefined {
  if (data === undefined) return undefined;
  for (let index = data.ids.length - 1; index >= 0; index--) {
    const message: Message | undefined = data.byId.get(data.ids[index] as string);
    if (message?.role !== "assistant") continue;
    const code = lastCodeBlock(message.content);
    if (code !== undefined) return code;
  }
  return undefined;
}
