import { unwrap } from "@hearth/sdk";
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "wouter";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";
import { getConversationData } from "./use-conversation.ts";

/** The address's parameter naming a message to show: `/c/<id>?message=<messageId>`, as search opens one. */
const MESSAGE_PARAM = "message";

/** A message to scroll to and mark: a new object each time, so showing the same message again does it again. */
export interface Reveal {
  messageId: string;
}

interface RevealOptions {
  /** The conversation's messages are loaded (nothing is done before). */
  isReady: boolean;
  /** Loads the page before the loaded ones (useConversationSync's). */
  loadOlder: () => Promise<void>;
  onError: (error: unknown) => void;
}

/**
 * Shows the message the address names (`?message=<id>`): one that is not on the loaded path has its
 * branch made the active one (down its newest replies, as switching branches does), and older pages
 * are loaded until it is there. Answers the message for the list to scroll to and mark; the parameter
 * is then taken off the address, so that opening the same message again shows it again.
 */
export function useMessageReveal(conversationId: string | undefined, options: RevealOptions): Reveal | undefined {
  const queries = useQueryClient();
  const [params, setParams] = useSearchParams();
  const messageId = params.get(MESSAGE_PARAM) ?? undefined;
  const [reveal, setReveal] = useState<Reveal | undefined>();
  const latest = useRef(options);
  latest.current = options;
  const { isReady } = options;

  useEffect(() => {
    if (conversationId === undefined || messageId === undefined || !isReady) return;
    let isCancelled = false;
    void (async () => {
      try {
        const isShown = await bringIntoPath(queries, conversationId, messageId, () => latest.current.loadOlder());
        if (isShown && !isCancelled) setReveal({ messageId });
      } catch (error) {
        if (!isCancelled) latest.current.onError(error);
      }
      if (isCancelled) return;
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.delete(MESSAGE_PARAM);
          return next;
        },
        { replace: true },
      );
    })();
    return () => {
      isCancelled = true;
    };
  }, [conversationId, messageId, isReady, queries, setParams]);

  return reveal;
}

/** Makes the message part of the loaded path; whether it is (false: it is on none the server gave). */
async function bringIntoPath(
  queries: QueryClient,
  conversationId: string,
  messageId: string,
  loadOlder: () => Promise<void>,
): Promise<boolean> {
  const loaded = () => getConversationData(queries, conversationId);
  const isLoaded = () => loaded()?.ids.includes(messageId) === true;
  if (isLoaded()) return true;
  unwrap(await client.api.POST("/api/messages/{id}/activate", { params: { path: { id: messageId } } }));
  await queries.refetchQueries({ queryKey: queryKeys.messages(conversationId), exact: true });
  // The branch is loaded from its newest message: a message further up comes with older pages.
  let cursor = loaded()?.nextCursor;
  while (!isLoaded() && cursor != null) {
    await loadOlder();
    const next = loaded()?.nextCursor;
    // Nothing more came: the list shows why (its own "older messages failed" error).
    if (next === cursor) return false;
    cursor = next;
  }
  return isLoaded();
}
