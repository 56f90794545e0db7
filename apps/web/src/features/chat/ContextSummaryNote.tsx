import { unwrap } from "@hearth/sdk";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { client } from "../../lib/client.ts";

/**
 * Where the newest reply's context starts when a summary stood in for the messages above: says so,
 * and shows the summary the model wrote (fetched when opened; untrusted text, shown as plain text).
 */
export function ContextSummaryNote({ conversationId, summaryId }: { conversationId: string; summaryId: string }) {
  const { t } = useTranslation("chat");
  const [isOpen, setOpen] = useState(false);
  const summary = useQuery({
    queryKey: ["conversation-summary", conversationId, summaryId],
    queryFn: async () =>
      unwrap(
        await client.api.GET("/api/conversations/{id}/summaries/{summaryId}", {
          params: { path: { id: conversationId, summaryId } },
        }),
      ),
    enabled: isOpen,
    staleTime: Number.POSITIVE_INFINITY,
  });
  return (
    <div className="mb-4 border-t border-dashed pt-2 text-center text-xs text-muted-foreground">
      <p>{t("list.contextSummarized")}</p>
      <details className="mt-1" onToggle={(event) => setOpen(event.currentTarget.open)}>
        <summary className="cursor-pointer underline-offset-2 hover:underline pointer-coarse:py-3">
          {t("list.showSummary")}
        </summary>
        <div className="mx-auto mt-2 max-w-prose rounded-md border bg-muted/40 p-3 text-left text-sm text-foreground">
          {summary.data === undefined ? (
            <p role="status">{t("list.summaryLoading")}</p>
          ) : (
            <>
              <p className="whitespace-pre-wrap">{summary.data.content}</p>
              <p className="mt-2 text-xs text-muted-foreground">
                {t("list.summaryCovers", { count: summary.data.coveredMessages })}
              </p>
            </>
          )}
        </div>
      </details>
    </div>
  );
}
