import { type KeyboardEvent, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { Dialog } from "../../components/ui/dialog.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useConversationSearch } from "./conversation-queries.ts";
import { useDebounced } from "./use-debounced.ts";

const SEARCH_DELAY_MS = 150;

export interface SearchDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Called after it opens a conversation (the drawer closes). */
  onNavigate: () => void;
}

/**
 * "Search conversations": a searchbox over conversations by title (the most recent ones while it is
 * empty). Arrow keys move through the results, Enter opens one, Escape closes; focus stays in the
 * dialog and returns where it was.
 */
export function SearchDialog({ open, onOpenChange, onNavigate }: SearchDialogProps) {
  const { t } = useTranslation("conversations");
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t("search.title")}>
      {open && (
        <SearchResults
          onOpen={() => {
            onOpenChange(false);
            onNavigate();
          }}
        />
      )}
    </Dialog>
  );
}

function SearchResults({ onOpen }: { onOpen: () => void }) {
  const { t } = useTranslation("conversations");
  const [, navigate] = useLocation();
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), SEARCH_DELAY_MS);
  const results = useConversationSearch(q, true);
  const [chosen, setActive] = useState(0);
  const listId = useId();
  const conversations = results.data ?? [];
  // Typing starts again at the first result; a shorter list keeps the last.
  const active = Math.max(0, Math.min(chosen, conversations.length - 1));
  const optionId = (index: number) => `${listId}-${index}`;

  const open = (id: string) => {
    navigate(`/c/${id}`);
    onOpen();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const count = conversations.length;
    if (count === 0) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((index) => (index + step + count) % count);
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      setActive(event.key === "Home" ? 0 : count - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const chosen = conversations[active];
      if (chosen !== undefined) open(chosen.id);
    }
  };

  useEffect(() => {
    document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
  });

  return (
    <div className="flex min-h-0 flex-col gap-3">
      <input
        type="search"
        aria-label={t("search.label")}
        placeholder={t("search.label")}
        aria-controls={listId}
        aria-activedescendant={conversations.length === 0 ? undefined : optionId(active)}
        value={text}
        maxLength={200}
        onChange={(event) => {
          setText(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        className="h-10 w-full rounded-md border border-input bg-background px-3 text-base text-foreground placeholder:text-muted-foreground sm:text-sm pointer-coarse:h-11"
      />
      <p className="text-xs text-muted-foreground" aria-hidden="true">
        {t("search.hint")}
      </p>
      {results.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(results.error, t)}
        </p>
      )}
      <p role="status" className="sr-only">
        {results.isSuccess ? t("search.count", { count: conversations.length }) : ""}
      </p>
      {results.isSuccess && conversations.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("search.none")}</p>
      ) : (
        <div
          id={listId}
          role="listbox"
          aria-label={q === "" ? t("search.recent") : t("search.results")}
          className="-mx-2 flex max-h-80 flex-col overflow-y-auto"
        >
          {conversations.map((conversation, index) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the searchbox handles the keys (arrows, Enter) for the options.
            <div
              key={conversation.id}
              id={optionId(index)}
              role="option"
              // Focus stays in the searchbox (aria-activedescendant); -1 only lets a click land on the option.
              tabIndex={-1}
              aria-selected={index === active}
              onClick={() => open(conversation.id)}
              onPointerMove={() => setActive(index)}
              className="cursor-pointer truncate rounded-md px-2 py-2 text-sm aria-selected:bg-accent aria-selected:text-accent-foreground pointer-coarse:py-3"
            >
              {conversation.title || t("untitled")}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
