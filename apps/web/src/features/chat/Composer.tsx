import { ArrowUp, Clock, Square, X } from "lucide-react";
import { type FormEvent, type KeyboardEvent, type Ref, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";

interface ComposerProps {
  /** Where the draft is kept on this device: one per conversation, one for a new chat. */
  draftKey: string;
  isStreaming: boolean;
  /** A message typed during a reply, sent when it ends. */
  queued: string | undefined;
  /** Sends (or queues) the message; rejects when it was not taken, and the text comes back. */
  onSend: (content: string) => Promise<void>;
  onStop: () => void;
  onCancelQueued: () => void;
  /** ArrowUp in an empty box edits the last question; false when there is none. */
  onEditLast: () => boolean;
  ref?: Ref<HTMLTextAreaElement>;
}

const DRAFT_PREFIX = "hearth.draft.";

function readDraft(key: string): string {
  try {
    return localStorage.getItem(DRAFT_PREFIX + key) ?? "";
  } catch {
    return "";
  }
}

function writeDraft(key: string, text: string): void {
  try {
    if (text === "") localStorage.removeItem(DRAFT_PREFIX + key);
    else localStorage.setItem(DRAFT_PREFIX + key, text);
  } catch {
    // Storage refused (private mode, full): the draft lives as long as the page.
  }
}

// Chromium sizes the box by its text (field-sizing); elsewhere it is sized here, up to its max height.
const sizesItself = typeof CSS !== "undefined" && CSS.supports("field-sizing", "content");

/**
 * The message box: it grows with its text, Enter sends and Shift+Enter breaks the line. The draft
 * survives a reload; a message sent while a reply is written waits (shown, cancellable) until it ends.
 */
export function Composer({
  draftKey,
  isStreaming,
  queued,
  onSend,
  onStop,
  onCancelQueued,
  onEditLast,
  ref,
}: ComposerProps) {
  const { t } = useTranslation("chat");
  const [text, setText] = useState(() => readDraft(draftKey));
  const field = useRef<HTMLTextAreaElement | null>(null);
  const setField = (element: HTMLTextAreaElement | null) => {
    field.current = element;
    if (typeof ref === "function") ref(element);
    else if (ref) ref.current = element;
  };

  useEffect(() => writeDraft(draftKey, text), [draftKey, text]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height follows the text.
  useEffect(() => {
    const element = field.current;
    if (sizesItself || element === null) return;
    element.style.height = "auto";
    element.style.height = `${element.scrollHeight}px`;
  }, [text]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (content === "") return;
    setText("");
    onSend(content).catch(() => {
      // Not sent: the text comes back unless something new was typed meanwhile.
      setText((current) => (current === "" ? content : current));
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    } else if (event.key === "ArrowUp" && text === "" && !event.shiftKey && !event.altKey) {
      if (onEditLast()) event.preventDefault();
    }
  };

  return (
    <form onSubmit={submit} className="mx-auto flex w-full max-w-3xl flex-col gap-2 px-4 pb-4">
      {queued !== undefined && (
        <div className="flex items-center gap-2 rounded-lg border bg-muted px-3 py-1.5 text-sm">
          <Clock aria-hidden="true" className="size-4 shrink-0 text-muted-foreground" />
          <span className="font-medium">{t("composer.queued")}</span>
          <span className="min-w-0 flex-1 truncate text-muted-foreground" title={queued}>
            {queued}
          </span>
          <Button variant="ghost" size="icon" aria-label={t("composer.cancelQueued")} onClick={onCancelQueued}>
            <X aria-hidden="true" className="size-4" />
          </Button>
        </div>
      )}
      <div className="flex items-end gap-2">
        <textarea
          ref={setField}
          aria-label={t("composer.label")}
          placeholder={t("composer.placeholder")}
          rows={1}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          className="field-sizing-content max-h-60 min-h-11 min-w-0 flex-1 resize-none overflow-y-auto rounded-lg border border-input bg-background px-3 py-2.5 text-base text-foreground placeholder:text-muted-foreground"
        />
        {isStreaming && (
          <Button variant="secondary" size="icon" aria-label={t("composer.stop")} onClick={onStop}>
            <Square aria-hidden="true" className="size-4" />
          </Button>
        )}
        <Button type="submit" variant="primary" size="icon" aria-label={t("composer.send")}>
          <ArrowUp aria-hidden="true" className="size-5" />
        </Button>
      </div>
    </form>
  );
}
