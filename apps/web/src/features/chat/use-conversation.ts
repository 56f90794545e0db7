import type { components } from "@hearth/sdk";
import { unwrap } from "@hearth/sdk";
import { hashKey, type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { client } from "../../lib/client.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { queryKeys } from "../../lib/query-keys.ts";
import {
  applyEvent,
  type ConversationData,
  fromPath,
  type Message,
  withNewer,
  withNewestPageOnly,
  withOlder,
} from "./conversation-data.ts";
import { followWithConnection } from "./event-connection.ts";

/** Messages per page: the newest first, then older ones as the person scrolls up. */
const PAGE = 100;

const messagesPath = "/api/conversations/{id}/messages" as const;
type MessagePath = components["schemas"]["MessagePath"];

async function newestPage(conversationId: string, signal?: AbortSignal): Promise<MessagePath> {
  return unwrap(
    await client.api.GET(messagesPath, { params: { path: { id: conversationId }, query: { limit: PAGE } }, signal }),
  );
}

/** How long a page loaded ahead may wait for the screen that shows it (it is then loaded again). */
const PREFETCH_FRESH_MS = 10_000;
let prefetched: { conversationId: string; page: Promise<MessagePath>; at: number } | undefined;

/**
 * Starts loading a conversation's newest messages before the app has checked the session and
 * rendered, so opening a link to a conversation waits for one round trip instead of three. Its
 * screen takes the page once (a failure, such as no session, is loaded again there and shown).
 */
export function prefetchConversation(conversationId: string): void {
  const page = newestPage(conversationId);
  page.catch(() => {});
  prefetched = { conversationId, page, at: Date.now() };
}

function takePrefetched(conversationId: string | undefined): Promise<MessagePath> | undefined {
  const taken = prefetched;
  prefetched = undefined;
  if (taken?.conversationId !== conversationId || Date.now() - taken.at > PREFETCH_FRESH_MS) return undefined;
  return taken.page.catch(() => newestPage(taken.conversationId));
}

export function getConversationData(queries: QueryClient, conversationId: string): ConversationData | undefined {
  return queries.getQueryData<ConversationData>(queryKeys.messages(conversationId));
}

/**
 * A part of a conversation's messages, re-rendering only when that part changes: a row subscribes
 * to its own message, the list to the ids, so a token streaming into one reply re-renders that
 * reply alone. `select` must return something stable (a value, or an object from the data).
 */
export function useConversationData<T>(
  conversationId: string | undefined,
  select: (data: ConversationData | undefined) => T,
): T {
  const queries = useQueryClient();
  const subscribe = useCallback(
    (notify: () => void) => {
      if (conversationId === undefined) return () => {};
      const hash = hashKey(queryKeys.messages(conversationId));
      return queries.getQueryCache().subscribe((event) => {
        if (event.query.queryHash === hash) notify();
      });
    },
    [queries, conversationId],
  );
  const selectRef = useRef(select);
  selectRef.current = select;
  const snapshot = useCallback(
    () => selectRef.current(conversationId === undefined ? undefined : getConversationData(queries, conversationId)),
    [queries, conversationId],
  );
  return useSyncExternalStore(subscribe, snapshot);
}

export type Connection = "connecting" | "live" | "reconnecting";

interface SyncOptions {
  /** A reply on the path ended as `done` (a finished reply is announced once, with its text). */
  onReplyDone: (message: Message) => void;
}

/**
 * Loads a conversation's newest messages and follows its events from the snapshot they were read
 * in (the page's `lastEventId`), so joining mid-reply neither repeats nor loses text. A dropped
 * connection resumes by itself; an event the loaded path cannot place reloads it.
 */
export function useConversationSync(conversationId: string | undefined, options: SyncOptions) {
  const { t } = useTranslation("chat");
  const queries = useQueryClient();
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const [connection, setConnection] = useState<Connection>("connecting");
  const [liveError, setLiveError] = useState<string | undefined>();
  const [isLoadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | undefined>();
  const loadingOlder = useRef<Promise<void> | undefined>(undefined);
  const loadingNewer = useRef(false);

  const query = useQuery({
    queryKey: queryKeys.messages(conversationId ?? ""),
    queryFn: async ({ signal }) =>
      fromPath(await (takePrefetched(conversationId) ?? newestPage(conversationId ?? "", signal))),
    enabled: conversationId !== undefined,
    // Events keep it current; it is loaded again only when they cannot (see applyEvent).
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
    retry: false,
    // A whole conversation compared on every token would cost what virtualizing saves.
    structuralSharing: false,
  });
  const load = useConversationData(conversationId, (data) => data?.load);

  useEffect(() => {
    if (conversationId === undefined || load === undefined) return;
    const key = queryKeys.messages(conversationId);
    const stop = new AbortController();
    setLiveError(undefined);
    const reload = () => {
      stop.abort();
      void queries.refetchQueries({ queryKey: key, exact: true });
    };
    void (async () => {
      try {
        const events = followWithConnection(conversationId, {
          lastEventId: load.from,
          signal: stop.signal,
          onConnection: (isUp) => setConnection(isUp ? "live" : "reconnecting"),
        });
        for await (const event of events) {
          if (event.type === "stream.closed") {
            // The session ended: the app signs the person out.
            setLiveError(t("errors.streamClosed"));
            void queries.invalidateQueries({ queryKey: queryKeys.me });
            return;
          }
          const current = queries.getQueryData<ConversationData>(key);
          if (current?.load !== load) return;
          const next = applyEvent(current, event);
          if (next === "reload") return reload();
          if (next !== current) queries.setQueryData(key, next);
          if (event.type === "message.created") {
            void queries.invalidateQueries({ queryKey: queryKeys.conversations });
          } else if (event.type === "conversation.updated") {
            queries.setQueryData(queryKeys.conversation(conversationId), event.data);
            void queries.invalidateQueries({ queryKey: queryKeys.conversations });
          } else if (event.type === "message.done" || event.type === "message.error") {
            const ended = next.byId.get(event.data.messageId);
            if (ended !== undefined) {
              if (ended.status === "done") optionsRef.current.onReplyDone(ended);
              void refreshTiming(queries, conversationId, ended.id);
            }
          }
        }
      } catch (error) {
        if (!stop.signal.aborted) setLiveError(problemMessage(error, t));
      }
    })();
    return () => stop.abort();
  }, [conversationId, load, queries, t]);

  /** Loads the page before the window; a call while one loads waits for that one. */
  const loadOlder = useCallback((): Promise<void> => {
    if (conversationId === undefined) return Promise.resolve();
    if (loadingOlder.current !== undefined) return loadingOlder.current;
    const data = getConversationData(queries, conversationId);
    const cursor = data?.nextCursor;
    if (data === undefined || cursor == null) return Promise.resolve();
    setLoadingOlder(true);
    setOlderError(undefined);
    const load = (async () => {
      try {
        const page = unwrap(
          await client.api.GET(messagesPath, {
            params: { path: { id: conversationId }, query: { limit: PAGE, cursor } },
          }),
        );
        const current = getConversationData(queries, conversationId);
        // A reload meanwhile has its own first page; this one belonged to the old load.
        if (current?.load !== data.load || current.nextCursor !== cursor) return;
        queries.setQueryData(queryKeys.messages(conversationId), withOlder(current, page, cursor));
      } catch (error) {
        setOlderError(problemMessage(error, t));
      }
    })().finally(() => {
      loadingOlder.current = undefined;
      setLoadingOlder(false);
    });
    loadingOlder.current = load;
    return load;
  }, [conversationId, queries, t]);

  /** Loads the page after the window again (scrolled back down after the newest pages were let go). */
  const loadNewer = useCallback(async () => {
    if (conversationId === undefined || loadingNewer.current) return;
    const data = getConversationData(queries, conversationId);
    const cursor = data?.newer.at(-1);
    if (data === undefined || cursor === undefined) return;
    loadingNewer.current = true;
    setOlderError(undefined);
    try {
      const page = unwrap(
        await client.api.GET(messagesPath, {
          params: { path: { id: conversationId }, query: { limit: PAGE, ...(cursor === null ? {} : { cursor }) } },
        }),
      );
      const current = getConversationData(queries, conversationId);
      if (current?.load !== data.load || current.newer !== data.newer) return;
      const next = withNewer(current, page);
      if (next === "reload") void queries.refetchQueries({ queryKey: queryKeys.messages(conversationId), exact: true });
      else queries.setQueryData(queryKeys.messages(conversationId), next);
    } catch (error) {
      setOlderError(problemMessage(error, t));
    } finally {
      loadingNewer.current = false;
    }
  }, [conversationId, queries, t]);

  /** At the end of the list again: the pages above are let go (MessageList asks, once it is there). */
  const keepNewestPage = useCallback(() => {
    if (conversationId === undefined || loadingOlder.current !== undefined || loadingNewer.current) return;
    const data = getConversationData(queries, conversationId);
    if (data === undefined) return;
    const trimmed = withNewestPageOnly(data);
    if (trimmed !== data) queries.setQueryData(queryKeys.messages(conversationId), trimmed);
  }, [conversationId, queries]);

  const reload = useCallback(() => {
    if (conversationId === undefined) return;
    setLiveError(undefined);
    setOlderError(undefined);
    void queries.refetchQueries({ queryKey: queryKeys.messages(conversationId), exact: true });
  }, [conversationId, queries]);

  return {
    isLoading: query.isPending && conversationId !== undefined,
    loadError: query.isError ? problemMessage(query.error, t) : undefined,
    liveError,
    olderError,
    connection,
    isLoadingOlder,
    loadOlder,
    loadNewer,
    keepNewestPage,
    reload,
  };
}

/**
 * A reply's timing (time to first token, speed) is stored when it ends, and no event carries it:
 * it is read from the newest page once the reply has ended.
 */
async function refreshTiming(queries: QueryClient, conversationId: string, messageId: string): Promise<void> {
  const data = getConversationData(queries, conversationId);
  const index = data?.ids.indexOf(messageId) ?? -1;
  if (data === undefined || index === -1) return;
  const limit = data.ids.length - index;
  if (limit > 500) return;
  const answer = await client.api.GET(messagesPath, {
    params: { path: { id: conversationId }, query: { limit } },
  });
  const stored = answer.data?.data.find((message) => message.id === messageId);
  if (stored?.finishedAt == null) return;
  const current = getConversationData(queries, conversationId);
  const message = current?.byId.get(messageId);
  if (current === undefined || message === undefined) return;
  const timed = { ...message, firstTokenAt: stored.firstTokenAt, finishedAt: stored.finishedAt, usage: stored.usage };
  queries.setQueryData(queryKeys.messages(conversationId), {
    ...current,
    byId: new Map(current.byId).set(messageId, timed),
  });
}
