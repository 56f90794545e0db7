import { useTranslation } from "react-i18next";
import { formatDateTime } from "../../lib/i18n.ts";
import type { SearchHit } from "./message-search-queries.ts";
import { snippetParts } from "./snippet-parts.ts";

/**
 * A message search found, as an option of the search dialog shows it: its conversation's title, who
 * wrote it and when, and the snippet with what matched in `<mark>`. The snippet is model output: it
 * is rendered as text, cut at the highlights' offsets, never as markup.
 */
export function MessageHit({ hit }: { hit: SearchHit }) {
  const { t, i18n } = useTranslation("conversations");
  const author = hit.role === "user" ? t("search.you") : (hit.model ?? t("search.assistant"));
  return (
    <>
      <span className="flex items-baseline justify-between gap-3">
        <span className="truncate font-medium">{hit.conversationTitle || t("untitled")}</span>
        <span className="shrink-0 text-xs">
          {author} · {formatDateTime(hit.createdAt, i18n.language)}
        </span>
      </span>
      <span className="line-clamp-3 break-words">
        {snippetParts(hit.snippet, hit.highlights).map((part, index) =>
          part.isMatch ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts are fixed for a snippet and never reordered.
            <mark key={index} className="rounded-sm bg-mark px-0.5 text-mark-foreground">
              {part.text}
            </mark>
          ) : (
            part.text
          ),
        )}
      </span>
    </>
  );
}
