import { MessageCircleDashed } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { updateNewChatSettings, useNewChatSettings } from "../../lib/new-chat-settings.ts";

/** Whether the next new chat is temporary: left out of memory, neither reading nor feeding it. */
export function TemporaryChatToggle() {
  const { t } = useTranslation("memory");
  const { temporary } = useNewChatSettings();
  return (
    <Button
      variant="ghost"
      aria-pressed={temporary}
      title={t("temporary.toggleHint")}
      onClick={() => updateNewChatSettings({ temporary: !temporary })}
      className="aria-pressed:bg-accent aria-pressed:font-semibold"
    >
      <MessageCircleDashed aria-hidden="true" className="size-4" />
      {t("temporary.toggle")}
    </Button>
  );
}
