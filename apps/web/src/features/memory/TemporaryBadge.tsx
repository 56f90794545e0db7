import { unwrap } from "@hearth/sdk";
import { useQuery } from "@tanstack/react-query";
import { MessageCircleDashed } from "lucide-react";
import { useTranslation } from "react-i18next";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

/** Says that an open temporary conversation is left out of memory; nothing for any other. */
export function TemporaryBadge({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation("memory");
  // The same cache entry the chat's toolbar reads.
  const conversation = useQuery({
    queryKey: queryKeys.conversation(conversationId),
    queryFn: async () =>
      unwrap(await client.api.GET("/api/conversations/{id}", { params: { path: { id: conversationId } } })),
  });
  if (conversation.data?.temporary !== true) return null;
  return (
    <p className="inline-flex items-center gap-1.5 rounded-full border px-2.5 py-0.5 text-xs text-muted-foreground">
      <MessageCircleDashed aria-hidden="true" className="size-3.5" />
      {t("temporary.badge")}
    </p>
  );
}
