import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown } from "lucide-react";
import { memo, type Ref, useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ContextSummaryNote } from "./ContextSummaryNote.tsx";
import { useChat } from "./chat-context.ts";
import { contextStartOf, contextSummaryOf, isDetached } from "./conversation-data.ts";
import { MessageView } from "./MessageView.tsx";
import { useConversationData } from "./use-conversation.ts";
import type { Reveal } from "./use-message-reveal.ts";

/** Older (or newer) messages are asked for once the view is this close to the top (bottom) of what is loaded. */
const LOAD_OLDER_WITHIN_PX = 1200;
/** Closer than this to the bottom counts as following the conversation. */
const AT_END_PX = 48;
const ESTIMATED_ROW_PX = 140;
const NO_IDS: readonly string[] = [];

export interface MessageListHandle {
  scrollToEnd(): void;
  scrollToMessage(id: string): void;
}

interface MessageListProps {
  editingId: string | undefined;
  /** A message to scroll to, once it is loaded, and mark for a moment (one opened from search). */
  reveal?: Reveal | undefined;
  isLoadingOlder: boolean;
  onNearTop: () => unknown;
  /** Scrolled back down to the end of a window that does not reach the newest message. */
  onNearBottom: () => unknown;
  /** Back at the end of the list: the pages above it may be let go. */
  onAtEnd: () => unknown;
  /** Loads the newest messages again, in place of a window that does not reach them. */
  onJumpToLatest: () => unknown;
  ref?: Ref<MessageListHandle>;
}

/**
 * The active path, virtualized: only the rows in and near view are mounted, each measured as it
 * renders, so a conversation of any length costs the same to show. It opens at the newest message
 * and follows new text while the person is at the end; scrolled up, it stays put (older pages
 * loaded in front keep what is in view where it is) and offers a way back down.
 */
export const MessageList = memo(function MessageList({
  editingId,
  reveal,
  isLoadingOlder,
  onNearTop,
  onNearBottom,
  onAtEnd,
  onJumpToLatest,
  ref,
}: MessageListProps) {
  const { t } = useTranslation("chat");
  const { conversationId } = useChat();
  const ids = useConversationData(conversationId, (data) => data?.ids ?? NO_IDS);
  const hasOlder = useConversationData(conversationId, (data) => data?.nextCursor != null);
  const hasNewer = useConversationData(conversationId, isDetached);
  const contextStart = useConversationData(conversationId, contextStartOf);
  const contextSummary = useConversationData(conversationId, contextSummaryOf);
  const heldPages = useConversationData(conversationId, (data) => data?.pages.length ?? 0);
  const scroller = useRef<HTMLDivElement>(null);
  const [isAtEnd, setAtEnd] = useState(true);
  const latest = useRef({ hasOlder, hasNewer, heldPages, onNearTop, onNearBottom, onAtEnd, onJumpToLatest, ids });
  latest.current = { hasOlder, hasNewer, heldPages, onNearTop, onNearBottom, onAtEnd, onJumpToLatest, ids };
  // The first row when older ones were last asked for: asked again only once they are rendered
  // (and the view kept in place above them), not from a scroll position they will change.
  const askedOlderAt = useRef<string | undefined>(undefined);
  const askedNewerAt = useRef<string | undefined>(undefined);
  // "Jump to latest" (or a message sent) while the newest messages are not loaded: they are loaded
  // again, and the list goes to their end once they are there.
  const isGoingToEnd = useRef(false);
  // The list opens at the top before it scrolls to the end: nothing older is asked for until it got there.
  const hasReachedEnd = useRef(false);

  const wasDetached = useRef(hasNewer);
  useEffect(() => {
    wasDetached.current = hasNewer;
  }, [hasNewer]);

  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    // Starts at the end, where it opens: the first rows rendered (and their Markdown parsed) are the newest ones.
    initialOffset: () => latest.current.ids.length * ESTIMATED_ROW_PX,
    getItemKey: (index) => ids[index] ?? index,
    overscan: 4,
    paddingStart: 16,
    paddingEnd: 16,
    // A chat list: prepending keeps the view where it is, growth at the end is followed while at the end.
    anchorTo: "end",
    // Not when the newest messages come back after the window: that page is not where the person is.
    followOnAppend: !hasNewer && !wasDetached.current,
    scrollEndThreshold: AT_END_PX,
    // Positions are written straight to the DOM: scrolling and a reply growing re-render no rows.
    directDomUpdates: true,
    onChange: (instance) => {
      const isAtEnd = instance.getDistanceFromEnd() <= AT_END_PX;
      setAtEnd(isAtEnd);
      const offset = instance.scrollOffset ?? Number.POSITIVE_INFINITY;
      const { hasOlder, hasNewer, heldPages, ids, onNearTop, onNearBottom, onAtEnd } = latest.current;
      if (isAtEnd && ids.length > 0) hasReachedEnd.current = true;
      if (!hasReachedEnd.current) return;
      // Back at the end after scrolling up: it holds the newest page again, as when it opened.
      if (isAtEnd && !hasNewer && heldPages > 1 && !instance.isScrolling) onAtEnd();
      if (hasOlder && offset < LOAD_OLDER_WITHIN_PX && askedOlderAt.current !== ids[0]) {
        askedOlderAt.current = ids[0];
        onNearTop();
      }
      // Asked once per end of the window (a new page moves it).
      if (hasNewer && instance.getDistanceFromEnd() < LOAD_OLDER_WITHIN_PX && askedNewerAt.current !== ids.at(-1)) {
        askedNewerAt.current = ids.at(-1);
        onNearBottom();
      }
    },
  });

  // Opens at the newest message.
  const hasOpened = useRef(false);
  useLayoutEffect(() => {
    if (hasOpened.current || ids.length === 0) return;
    hasOpened.current = true;
    virtualizer.scrollToEnd();
  }, [ids.length, virtualizer]);

  useLayoutEffect(() => {
    if (!isGoingToEnd.current || hasNewer || ids.length === 0) return;
    isGoingToEnd.current = false;
    virtualizer.scrollToEnd();
  }, [hasNewer, ids, virtualizer]);

  // Runs after the list opened at its end (above), so the message asked for is where it stays.
  const revealed = useRef<Reveal | undefined>(undefined);
  useLayoutEffect(() => {
    if (reveal === undefined || revealed.current === reveal) return;
    const index = ids.indexOf(reveal.messageId);
    if (index === -1) return;
    revealed.current = reveal;
    virtualizer.scrollToIndex(index, { align: "center" });
  }, [reveal, ids, virtualizer]);

  // Sizes are kept by message id: those of messages let go are dropped with them.
  useLayoutEffect(() => {
    const sizes = virtualizer.itemSizeCache;
    if (sizes.size <= ids.length * 2) return;
    const shown = new Set<unknown>(ids);
    for (const key of sizes.keys()) if (!shown.has(key)) sizes.delete(key);
  }, [ids, virtualizer]);

  const scrollToEnd = useCallback(() => {
    if (!latest.current.hasNewer) {
      virtualizer.scrollToEnd();
      return;
    }
    isGoingToEnd.current = true;
    latest.current.onJumpToLatest();
  }, [virtualizer]);

  useImperativeHandle(
    ref,
    () => ({
      scrollToEnd,
      scrollToMessage: (id) => {
        const index = latest.current.ids.indexOf(id);
        if (index !== -1) virtualizer.scrollToIndex(index, { align: "center" });
      },
    }),
    [virtualizer, scrollToEnd],
  );

  const items = virtualizer.getVirtualItems();
  return (
    <div className="relative h-full">
      <section
        ref={scroller}
        aria-label={t("list.label")}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1).
        tabIndex={0}
        className="h-full overflow-y-auto outline-none [overflow-anchor:none] focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-inset"
      >
        <div ref={virtualizer.containerRef} className="relative w-full">
          {items.map((item) => {
            const id = ids[item.index] as string;
            const isRevealed = id === reveal?.messageId;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="absolute top-0 left-0 w-full"
              >
                <div
                  data-revealed={isRevealed || undefined}
                  className={`mx-auto max-w-3xl px-4 py-3 ${isRevealed ? "animate-reveal rounded-lg" : ""}`}
                >
                  {id === contextStart &&
                    (contextSummary === undefined || conversationId === undefined ? (
                      <p className="mb-4 border-t border-dashed pt-2 text-center text-xs text-muted-foreground">
                        {t("list.contextCut")}
                      </p>
                    ) : (
                      <ContextSummaryNote conversationId={conversationId} summaryId={contextSummary} />
                    ))}
                  <MessageView id={id} isEditing={id === editingId} />
                </div>
              </div>
            );
          })}
        </div>
      </section>
      {isLoadingOlder && (
        <p
          role="status"
          className="absolute top-2 left-1/2 -translate-x-1/2 rounded-full border bg-background px-3 py-1 text-xs text-muted-foreground shadow-sm"
        >
          {t("list.loadingOlder")}
        </p>
      )}
      {(!isAtEnd || hasNewer) && (
        <Button className="absolute bottom-3 left-1/2 -translate-x-1/2 shadow-md" onClick={scrollToEnd}>
          <ArrowDown aria-hidden="true" className="size-4" />
          {t("list.jumpToLatest")}
        </Button>
      )}
    </div>
  );
});
