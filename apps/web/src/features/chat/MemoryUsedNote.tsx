import type { components } from "@hearth/sdk";
import { Brain, MessageSquare } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";

type MemoryUse = components["schemas"]["MemoryUse"];

/** A passage is shown this long at most: enough to recognise it (the link opens it in full). */
const PASSAGE_CHARS = 120;

/**
 * What a reply's prompt held from memory, folded under one line: each saved memory (linked to the
 * memory page) and each passage of another conversation (linked to that message in its conversation).
 * The texts are the person's and the model's: shown as plain text, never as markup.
 */
export function MemoryUsedNote({ uses }: { uses: readonly MemoryUse[] }) {
  const { t, i18n } = useTranslation("chat");
  const memories = uses.filter((use) => use.type === "memory").length;
  const passages = uses.length - memories;
  const counts = [
    ...(memories > 0 ? [t("memoryUsed.memories", { count: memories })] : []),
    ...(passages > 0 ? [t("memoryUsed.passages", { count: passages })] : []),
  ];
  const summary = new Intl.ListFormat(i18n.language, { type: "conjunction" }).format(counts);
  return (
    <details className="text-xs text-muted-foreground">
      <summary className="flex min-h-9 w-fit cursor-pointer items-center gap-1.5 rounded-md px-2 hover:bg-accent pointer-coarse:min-h-11">
        <Brain aria-hidden="true" className="size-3.5" />
        {t("memoryUsed.summary", { items: summary })}
      </summary>
      <ul aria-label={t("memoryUsed.label")} className="flex flex-col gap-1 px-2 py-1">
        {uses.map((use) => (
          <li key={use.type === "memory" ? use.memoryId : use.messageId} className="flex items-start gap-1.5">
            {use.type === "memory" ? (
              <>
                <Brain aria-hidden="true" className="mt-0.5 size-3.5 shrink-0" />
                <Link href={`/memory#memory-${use.memoryId}`} className="break-words text-foreground underline">
                  {use.content}
                </Link>
              </>
            ) : (
              <>
                <MessageSquare aria-hidden="true" className="mt-0.5 size-3.5 shrink-0" />
                <span className="min-w-0 break-words">
                  <Link
                    href={`/c/${use.conversationId}?message=${use.messageId}`}
                    className="font-medium text-foreground underline"
                  >
                    {use.conversationTitle}
                  </Link>
                  {": "}
                  {shortened(use.text)}
                </span>
              </>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}

function shortened(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > PASSAGE_CHARS ? `${line.slice(0, PASSAGE_CHARS)}…` : line;
}
