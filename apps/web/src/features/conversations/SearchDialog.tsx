import { type KeyboardEvent, type ReactNode, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { Dialog } from "../../components/ui/dialog.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { type Conversation, useConversationSearch } from "./conversation-queries.ts";
import { MessageHit } from "./MessageHit.tsx";
import { type SearchHit, type SearchMode, useMessageSearch } from "./message-search-queries.ts";
import { useDebounced } from "./use-debounced.ts";

const SEARCH_DELAY_MS = 150;
/** Titles shown above the messages while searching: the messages are what the dialog is mostly for. */
const TITLE_HITS = 5;
const MODES: readonly SearchMode[] = ["hybrid", "keyword", "semantic"];

type Result = { kind: "conversation"; conversation: Conversation } | { kind: "message"; hit: SearchHit };

export interface SearchDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Called after it opens a conversation (the drawer closes). */
  onNavigate: () => void;
}

/**
 * "Search conversations" (Ctrl/⌘+K): a searchbox over conversations by title (the most recent ones
 * while it is empty) and over the messages in them (by keyword, by meaning or both). Arrow keys move
 * through the results, Enter opens one (a message in its branch, scrolled to), Escape closes; focus
 * stays in the dialog and returns where it was.
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
  const [mode, setMode] = useState<SearchMode>("hybrid");
  const q = useDebounced(text.trim(), SEARCH_DELAY_MS);
  const titles = useConversationSearch(q, true);
  const messages = useMessageSearch(q, mode);
  const [chosen, setActive] = useState(0);
  const listId = useId();
  const conversations = (titles.data ?? []).slice(0, q === "" ? undefined : TITLE_HITS);
  const hits = q === "" ? [] : (messages.data?.data ?? []);
  const results: Result[] = [
    ...conversations.map((conversation) => ({ kind: "conversation" as const, conversation })),
    ...hits.map((hit) => ({ kind: "message" as const, hit })),
  ];
  // Typing starts again at the first result; a shorter list keeps the last.
  const active = Math.max(0, Math.min(chosen, results.length - 1));
  const optionId = (index: number) => `${listId}-${index}`;
  const hasMessageError = q !== "" && messages.isError;
  const isSettled = titles.isSuccess && (q === "" || messages.isSuccess || hasMessageError);
  const answer = q === "" ? undefined : messages.data;

  const open = (result: Result) => {
    // A message opens in its conversation, which shows it in its branch (features/chat reads ?message=).
    navigate(
      result.kind === "conversation"
        ? `/c/${result.conversation.id}`
        : `/c/${result.hit.conversationId}?message=${result.hit.messageId}`,
    );
    onOpen();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const count = results.length;
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
      const chosen = results[active];
      if (chosen !== undefined) open(chosen);
    }
  };

  useEffect(() => {
    document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
  });

  const option = (index: number, result: Result) => (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the searchbox handles the keys (arrows, Enter) for the options.
    <div
      key={result.kind === "conversation" ? result.conversation.id : result.hit.messageId}
      id={optionId(index)}
      role="option"
      // Focus stays in the searchbox (aria-activedescendant); -1 only lets a click land on the option.
      tabIndex={-1}
      aria-selected={index === active}
      onClick={() => open(result)}
      onPointerMove={() => setActive(index)}
      className="flex cursor-pointer flex-col gap-1 rounded-md px-2 py-2 text-sm aria-selected:bg-accent aria-selected:text-accent-foreground pointer-coarse:py-3"
    >
      {result.kind === "conversation" ? (
        <span className="truncate">{result.conversation.title || t("untitled")}</span>
      ) : (
        <MessageHit hit={result.hit} />
      )}
    </div>
  );

  return (
    <div className="flex min-h-0 flex-col gap-3">
      <div className="flex gap-2">
        <input
          type="search"
          aria-label={t("search.label")}
          placeholder={t("search.label")}
          aria-controls={listId}
          aria-activedescendant={results.length === 0 ? undefined : optionId(active)}
          value={text}
          maxLength={200}
          onChange={(event) => {
            setText(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
          className="h-10 min-w-0 flex-1 rounded-md border border-input bg-background px-3 text-base text-foreground placeholder:text-muted-foreground sm:text-sm pointer-coarse:h-11"
        />
        <select
          aria-label={t("search.mode.label")}
          value={mode}
          onChange={(event) => {
            setMode(event.target.value as SearchMode);
            setActive(0);
          }}
          className="h-10 rounded-md border border-input bg-background px-2 text-base text-foreground sm:text-sm pointer-coarse:h-11"
        >
          {MODES.map((value) => (
            <option key={value} value={value}>
              {t(`search.mode.${value}`)}
            </option>
          ))}
        </select>
      </div>
      <p className="text-xs text-muted-foreground" aria-hidden="true">
        {t("search.hint")}
      </p>
      {titles.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(titles.error, t)}
        </p>
      )}
      {/* A search by meaning without an embedding model says so here (409 semantic-search-unavailable). */}
      {hasMessageError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(messages.error, t)}
        </p>
      )}
      <p role="status" className="sr-only">
        {isSettled ? t("search.count", { count: results.length }) : ""}
      </p>
      {isSettled && results.length === 0 && !hasMessageError ? (
        <p className="text-sm text-muted-foreground">{t("search.none")}</p>
      ) : (
        <div
          id={listId}
          role="listbox"
          aria-label={q === "" ? t("search.recent") : t("search.results")}
          className="-mx-2 flex max-h-[min(24rem,50dvh)] flex-col overflow-y-auto"
        >
          {q === "" ? (
            conversations.map((conversation, index) => option(index, { kind: "conversation", conversation }))
          ) : (
            <>
              <ResultGroup label={t("search.conversations")}>
                {conversations.map((conversation, index) => option(index, { kind: "conversation", conversation }))}
              </ResultGroup>
              <ResultGroup label={t("search.messages")}>
                {hits.map((hit, index) => option(conversations.length + index, { kind: "message", hit }))}
              </ResultGroup>
            </>
          )}
        </div>
      )}
      {answer !== undefined && mode === "hybrid" && !answer.rankedBy.includes("semantic") && (
        <p className="text-xs text-muted-foreground">{t("search.keywordOnly")}</p>
      )}
      {answer !== undefined && answer.indexing.messagesToIndex > 0 && (
        <p className="text-xs text-muted-foreground">
          {t("search.indexing", { count: answer.indexing.messagesToIndex })}
        </p>
      )}
    </div>
  );
}

/** Options under a label, or nothing when there are none. */
function ResultGroup({ label, children }: { label: string; children: ReactNode[] }) {
  if (children.length === 0) return null;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a listbox groups its options with role="group"; a fieldset groups form fields.
    <div role="group" aria-label={label}>
      <div aria-hidden="true" className="px-2 pt-2 pb-1 text-xs font-medium text-muted-foreground">
        {label}
      </div>
      {children}
    </div>
  );
}
