import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown } from "lucide-react";
import { memo, type Ref, useImperativeHandle, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { useChat } from "./chat-context.ts";
import { MessageView } from "./MessageView.tsx";
import { useConversationData } from "./use-conversation.ts";

/** Older messages are asked for once the view is this close to the top of what is loaded. */
const LOAD_OLDER_WITHIN_PX = 1200;
/** Closer than this to the bottom counts as following the conversation. */
const AT_END_PX = 48;
const NO_IDS: readonly string[] = [];

export interface MessageListHandle {
  scrollToEnd(): void;
  scrollToMessage(id: string): void;
}

interface MessageListProps {
  editingId: string | undefined;
  isLoadingOlder: boolean;
  onNearTop: () => unknown;
  ref?: Ref<MessageListHandle>;
}

/**
 * The active path, virtualized: only the rows in and near view are mounted, each measured as it
 * renders, so a conversation of any length costs the same to show. It opens at the newest message
 * and follows new text while the person is at the end; scrolled up, it stays put (older pages
 * loaded in front keep what is in view where it is) and offers a way back down.
 */
export const MessageList = memo(function MessageList({ editingId, isLoadingOlder, onNearTop, ref }: MessageListProps) {
  const { t } = useTranslation("chat");
  const { conversationId } = useChat();
  const ids = useConversationData(conversationId, (data) => data?.ids ?? NO_IDS);
  const hasOlder = useConversationData(conversationId, (data) => data?.nextCursor != null);
  const scroller = useRef<HTMLDivElement>(null);
  const [isAtEnd, setAtEnd] = useState(true);
  const latest = useRef({ hasOlder, onNearTop, ids });
  latest.current = { hasOlder, onNearTop, ids };
  // How many rows there were when older ones were last asked for: asked again only once they are
  // rendered (and the view kept in place above them), not from a scroll position they will change.
  const askedOlderAt = useRef(-1);
  // The list opens at the top before it scrolls to the end: nothing older is asked for until it got there.
  const hasReachedEnd = useRef(false);

  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 140,
    getItemKey: (index) => ids[index] ?? index,
    overscan: 4,
    paddingStart: 16,
    paddingEnd: 16,
    // A chat list: prepending keeps the view where it is, growth at the end is followed while at the end.
    anchorTo: "end",
    followOnAppend: true,
    scrollEndThreshold: AT_END_PX,
    // Positions are written straight to the DOM: scrolling and a reply growing re-render no rows.
    directDomUpdates: true,
    onChange: (instance) => {
      const isAtEnd = instance.getDistanceFromEnd() <= AT_END_PX;
      setAtEnd(isAtEnd);
      const offset = instance.scrollOffset ?? Number.POSITIVE_INFINITY;
      const { hasOlder, ids, onNearTop } = latest.current;
      if (isAtEnd && ids.length > 0) hasReachedEnd.current = true;
      if (!hasReachedEnd.current) return;
      if (hasOlder && offset < LOAD_OLDER_WITHIN_PX && askedOlderAt.current !== ids.length) {
        askedOlderAt.current = ids.length;
        onNearTop();
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

  useImperativeHandle(
    ref,
    () => ({
      scrollToEnd: () => virtualizer.scrollToEnd(),
      scrollToMessage: (id) => {
        const index = latest.current.ids.indexOf(id);
        if (index !== -1) virtualizer.scrollToIndex(index, { align: "center" });
      },
    }),
    [virtualizer],
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
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="absolute top-0 left-0 w-full"
              >
                <div className="mx-auto max-w-3xl px-4 py-3">
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
      {!isAtEnd && (
        <Button
          className="absolute bottom-3 left-1/2 -translate-x-1/2 shadow-md"
          onClick={() => virtualizer.scrollToEnd()}
        >
          <ArrowDown aria-hidden="true" className="size-4" />
          {t("list.jumpToLatest")}
        </Button>
      )}
    </div>
  );
});
