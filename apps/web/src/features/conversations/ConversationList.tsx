import { unwrap } from "@hearth/sdk";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useRoute } from "wouter";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

/** The signed-in user's conversations, most recently updated first. */
export function ConversationList({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation("conversations");
  const [, params] = useRoute("/c/:id");
  const pages = useInfiniteQuery({
    queryKey: queryKeys.conversations,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.api.GET("/api/conversations", {
          params: { query: { limit: 50, ...(pageParam === undefined ? {} : { cursor: pageParam }) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const conversations = pages.data?.pages.flatMap((page) => page.data) ?? [];
  if (pages.isSuccess && conversations.length === 0) {
    return <p className="px-2 py-4 text-sm text-muted-foreground">{t("empty")}</p>;
  }
  return (
    <ul className="flex flex-col gap-0.5 pb-2">
      {conversations.map((conversation) => (
        <li key={conversation.id}>
          <Link
            href={`/c/${conversation.id}`}
            onClick={onNavigate}
            aria-current={params?.id === conversation.id ? "page" : undefined}
            className="block truncate rounded-md px-2 py-2 text-sm hover:bg-accent aria-[current=page]:bg-accent aria-[current=page]:font-medium pointer-coarse:py-3"
          >
            {conversation.title || t("untitled")}
          </Link>
        </li>
      ))}
    </ul>
  );
}
