import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useRoute } from "wouter";
import { problemMessage } from "../../lib/problem-message.ts";
import { ConversationRow } from "./ConversationRow.tsx";
import {
  type Conversation,
  conversationsOf,
  useConversationPages,
  useDeleteConversation,
  useRestoreConversation,
} from "./conversation-queries.ts";
import { groupConversations } from "./date-groups.ts";
import { type ToastMessage, UndoToast } from "./UndoToast.tsx";
import { useDebounced } from "./use-debounced.ts";

/** How long typing pauses before the filter asks the server. */
const FILTER_DELAY_MS = 250;

/**
 * The sidebar's conversations: a filter by title, the list (pinned first, then grouped by day,
 * loading the next page as its end scrolls into view), each row's actions, and the undo toast.
 */
export function ConversationList({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation("conversations");
  const [, params] = useRoute("/c/:id");
  const [, navigate] = useLocation();
  const [filter, setFilter] = useState("");
  const q = useDebounced(filter.trim(), FILTER_DELAY_MS);
  const pages = useConversationPages(q);
  const remove = useDeleteConversation();
  const restore = useRestoreConversation();
  const [toast, setToast] = useState<ToastMessage>();
  const [deleted, setDeleted] = useState<{ id: string; wasOpen: boolean }>();
  const [focusId, setFocusId] = useState<string>();
  const filterInput = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const headingId = useId();

  const { hasNextPage, isFetching, fetchNextPage } = pages;
  useEffect(() => {
    const target = end.current;
    // Not during a refetch (after a change): a next page then would cancel it and append to the stale pages.
    if (target === null || !hasNextPage || isFetching) return;
    // Starts loading a little before the end shows; observed anew after each page, so it loads until the end is out of view.
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void fetchNextPage({ cancelRefetch: false });
      },
      { root: scroller.current, rootMargin: "0px 0px 200px 0px" },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasNextPage, isFetching, fetchNextPage]);

  const showError = (caught: unknown) => setToast({ kind: "error", key: Date.now(), text: problemMessage(caught, t) });

  const onDelete = (conversation: Conversation) => {
    const wasOpen = params?.id === conversation.id;
    remove.mutate(conversation.id, {
      onSuccess: () => {
        setDeleted({ id: conversation.id, wasOpen });
        setToast({ kind: "deleted", key: Date.now() });
        if (wasOpen) navigate("/");
      },
      onError: showError,
    });
  };

  const onUndo = () => {
    if (deleted === undefined) return;
    const { id, wasOpen } = deleted;
    setToast(undefined);
    setDeleted(undefined);
    restore.mutate(id, {
      onSuccess: () => {
        setFocusId(id);
        if (wasOpen) navigate(`/c/${id}`);
      },
      onError: showError,
    });
  };

  const onExpire = useCallback(() => {
    setToast(undefined);
    setDeleted(undefined);
  }, []);

  const onFocused = useCallback(() => setFocusId(undefined), []);

  const conversations = conversationsOf(pages.data);
  const groups = groupConversations(conversations, new Date());
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <search className="px-3 pb-2">
        <input
          ref={filterInput}
          type="search"
          aria-label={t("filter.label")}
          placeholder={t("filter.placeholder")}
          value={filter}
          maxLength={200}
          onChange={(event) => setFilter(event.target.value)}
          className="h-9 w-full rounded-md border border-input bg-background px-3 text-base text-foreground placeholder:text-muted-foreground sm:text-sm pointer-coarse:h-11"
        />
      </search>
      <nav
        ref={scroller}
        aria-label={t("common:nav.conversations")}
        aria-busy={pages.isFetching || undefined}
        className="min-h-0 flex-1 overflow-y-auto px-2"
      >
        {pages.isError && (
          <p role="alert" className="px-2 py-4 text-sm text-destructive">
            {problemMessage(pages.error, t)}
          </p>
        )}
        {pages.isSuccess && conversations.length === 0 && (
          <p className="px-2 py-4 text-sm text-muted-foreground">
            {q === "" ? t("empty") : t("filter.noMatches", { q })}
          </p>
        )}
        {groups.map((group) => (
          <div key={group.id} className="pb-2">
            <h2 id={`${headingId}-${group.id}`} className="px-2 pt-2 pb-1 text-xs font-medium text-muted-foreground">
              {t(`groups.${group.id}`)}
            </h2>
            <ul aria-labelledby={`${headingId}-${group.id}`} className="flex flex-col gap-0.5">
              {group.conversations.map((conversation) => (
                <ConversationRow
                  key={conversation.id}
                  conversation={conversation}
                  isActive={params?.id === conversation.id}
                  shouldFocus={focusId === conversation.id}
                  onFocused={onFocused}
                  onNavigate={onNavigate}
                  onDelete={onDelete}
                />
              ))}
            </ul>
          </div>
        ))}
        <div ref={end} className="h-px" />
        {pages.isFetchingNextPage && <p className="px-2 py-2 text-sm text-muted-foreground">{t("loadingMore")}</p>}
      </nav>
      <UndoToast
        message={toast}
        onUndo={onUndo}
        onExpire={onExpire}
        onDismiss={() => {
          onExpire();
          // The toast held focus (its buttons); the filter is the nearest place to leave it.
          filterInput.current?.focus();
        }}
      />
    </div>
  );
}
