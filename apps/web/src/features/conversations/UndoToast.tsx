import { X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";

/** How long a toast stays while neither the pointer nor focus is on it. */
const VISIBLE_MS = 10_000;

export type ToastMessage = { kind: "deleted"; key: number } | { kind: "error"; key: number; text: string };

export interface UndoToastProps {
  message: ToastMessage | undefined;
  onUndo: () => void;
  /** The close button. */
  onDismiss: () => void;
  /** Its time is up (a stable function: a new one restarts the time). */
  onExpire: () => void;
}

/**
 * A polite live region that is always in the page (so screen readers hear what lands in it): "Conversation
 * deleted" with Undo, or why something failed. Undo takes focus, so a keyboard user is one key from it;
 * the toast stays while the pointer or focus is on it.
 */
export function UndoToast({ message, onUndo, onDismiss, onExpire }: UndoToastProps) {
  const { t } = useTranslation("conversations");
  const [isHeld, setHeld] = useState(false);
  const undo = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (message?.kind === "deleted") undo.current?.focus();
  }, [message]);

  useEffect(() => {
    if (message === undefined || isHeld) return;
    const timer = setTimeout(onExpire, VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [message, isHeld, onExpire]);

  return (
    <div role="status" aria-live="polite" className="empty:hidden">
      {message !== undefined && (
        // biome-ignore lint/a11y/noStaticElementInteractions: hovering only pauses the timer; the buttons are the controls.
        <div
          key={message.key}
          className="mx-2 mb-2 flex items-center gap-2 rounded-md border bg-popover p-2 pl-3 text-sm text-popover-foreground shadow-lg"
          onPointerEnter={() => setHeld(true)}
          onPointerLeave={() => setHeld(false)}
          onFocus={() => setHeld(true)}
          onBlur={(event) => {
            if (!event.currentTarget.contains(event.relatedTarget)) setHeld(false);
          }}
        >
          <span className={`flex-1 ${message.kind === "error" ? "text-destructive" : ""}`}>
            {message.kind === "deleted" ? t("deleted") : message.text}
          </span>
          {message.kind === "deleted" && (
            <Button ref={undo} variant="secondary" onClick={onUndo}>
              {t("undo")}
            </Button>
          )}
          <Button variant="ghost" size="icon" aria-label={t("dismiss")} onClick={onDismiss}>
            <X aria-hidden="true" className="size-4" />
          </Button>
        </div>
      )}
    </div>
  );
}
