import { ArrowUp, Square } from "lucide-react";
import { type FormEvent, type KeyboardEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";

interface ComposerProps {
  isStreaming: boolean;
  onSend: (content: string) => Promise<void>;
  onStop: () => Promise<void>;
}

/** The message box: Enter sends, Shift+Enter breaks the line. */
export function Composer({ isStreaming, onSend, onStop }: ComposerProps) {
  const { t } = useTranslation("chat");
  const [text, setText] = useState("");
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (content === "" || isStreaming) return;
    setText("");
    void onSend(content);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  return (
    <form onSubmit={submit} className="mx-auto flex w-full max-w-3xl items-end gap-2 px-4 pb-4">
      <textarea
        aria-label={t("composer.label")}
        placeholder={t("composer.placeholder")}
        rows={1}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        className="field-sizing-content max-h-60 min-h-11 flex-1 resize-none rounded-lg border border-input bg-background px-3 py-2.5 text-base text-foreground placeholder:text-muted-foreground"
      />
      {isStreaming ? (
        <Button variant="primary" size="icon" aria-label={t("composer.stop")} onClick={() => void onStop()}>
          <Square aria-hidden="true" className="size-4" />
        </Button>
      ) : (
        <Button type="submit" variant="primary" size="icon" aria-label={t("composer.send")}>
          <ArrowUp aria-hidden="true" className="size-5" />
        </Button>
      )}
    </form>
  );
}
