import { useLocation, useRoute } from "wouter";
import { useShortcut } from "../../lib/shortcuts.ts";
import { conversationsOf, useConversationPages } from "./conversation-queries.ts";

/**
 * Binds the previous/next conversation shortcuts: they move through the sidebar's order (pinned
 * first), loading the next page at the end of the loaded ones; up from the first is the new chat.
 */
export function useConversationNavigation(onNavigate: () => void): void {
  const pages = useConversationPages("");
  const [, params] = useRoute("/c/:id");
  const [, navigate] = useLocation();
  const currentId = params?.id;

  const go = (path: string) => {
    navigate(path);
    onNavigate();
  };

  useShortcut("previousConversation", () => {
    const conversations = conversationsOf(pages.data);
    const index = conversations.findIndex((conversation) => conversation.id === currentId);
    if (index === -1) return false;
    const previous = conversations[index - 1];
    go(previous === undefined ? "/" : `/c/${previous.id}`);
  });

  useShortcut("nextConversation", () => {
    const conversations = conversationsOf(pages.data);
    const index = conversations.findIndex((conversation) => conversation.id === currentId);
    const next = conversations[index + 1];
    if (next !== undefined) {
      go(`/c/${next.id}`);
      return;
    }
    if (index === -1 || !pages.hasNextPage) return false;
    void pages.fetchNextPage({ cancelRefetch: false }).then((result) => {
      const loaded = conversationsOf(result.data)[index + 1];
      if (loaded !== undefined) go(`/c/${loaded.id}`);
    });
  });
}
