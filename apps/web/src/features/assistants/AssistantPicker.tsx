import { Bot, Check, ChevronDown } from "lucide-react";
import { DropdownMenu } from "radix-ui";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { Button } from "../../components/ui/button.tsx";
import { useNewChatSettings } from "../../lib/new-chat-settings.ts";
import { useTools } from "../models/model-queries.ts";
import { useAssistants } from "./assistant-queries.ts";
import { chooseAssistant } from "./choose-assistant.ts";

/** No assistant, as the radio group's value. */
const NONE = "";

const ITEM =
  "flex cursor-pointer items-start gap-2 rounded-md px-2 py-2 text-sm outline-none data-[highlighted]:bg-accent pointer-coarse:min-h-11";

/**
 * Which assistant the next new chat starts from: the user's own and the shared ones, or none. Choosing
 * one sets the model and tools beside it; the editor is a link away.
 */
export function AssistantPicker() {
  const { t } = useTranslation("assistants");
  const [, navigate] = useLocation();
  const assistants = useAssistants();
  const registered = useTools().data?.map((tool) => tool.name);
  const settings = useNewChatSettings();
  const all = assistants.data ?? [];
  const chosen = all.find((assistant) => assistant.id === settings.assistantId);
  const name = chosen?.name ?? t("picker.none");
  const groups = [
    { label: t("page.yours"), items: all.filter((each) => !each.isShared) },
    { label: t("page.shared"), items: all.filter((each) => each.isShared) },
  ].filter((group) => group.items.length > 0);
  return (
    // Not modal: a modal menu hides the page with aria-hidden while its focusable controls stay (axe: aria-hidden-focus).
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger asChild>
        <Button variant="ghost" aria-label={t("picker.label", { name })} className="max-w-[40vw] px-2">
          <Bot aria-hidden="true" className="size-4 shrink-0" />
          <span className="truncate">{name}</span>
          <ChevronDown aria-hidden="true" className="size-4 shrink-0" />
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="start"
          sideOffset={4}
          className="z-50 max-h-[70dvh] w-80 max-w-[calc(100vw-1rem)] overflow-y-auto rounded-lg border bg-popover p-1 text-popover-foreground shadow-lg"
        >
          <DropdownMenu.RadioGroup
            value={chosen?.id ?? NONE}
            onValueChange={(id) => chooseAssistant(all.find((assistant) => assistant.id === id) ?? null, registered)}
          >
            <DropdownMenu.RadioItem value={NONE} className={ITEM}>
              <Indicator />
              <span>{t("picker.none")}</span>
            </DropdownMenu.RadioItem>
            {groups.map((group) => (
              <DropdownMenu.Group key={group.label}>
                <DropdownMenu.Label className="px-2 pt-2 pb-1 text-xs font-medium text-muted-foreground">
                  {group.label}
                </DropdownMenu.Label>
                {group.items.map((assistant) => (
                  <DropdownMenu.RadioItem key={assistant.id} value={assistant.id} className={ITEM}>
                    <Indicator />
                    <span className="flex min-w-0 flex-col gap-0.5">
                      <span className="truncate font-medium">{assistant.name}</span>
                      {assistant.description !== null && (
                        <span className="text-xs text-muted-foreground">{assistant.description}</span>
                      )}
                    </span>
                  </DropdownMenu.RadioItem>
                ))}
              </DropdownMenu.Group>
            ))}
          </DropdownMenu.RadioGroup>
          <DropdownMenu.Separator className="my-1 h-px bg-border" />
          <DropdownMenu.Item className={ITEM} onSelect={() => navigate("/assistants")}>
            <span className="size-4 shrink-0" />
            {t("picker.manage")}
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

function Indicator() {
  return (
    <span className="mt-0.5 size-4 shrink-0">
      <DropdownMenu.ItemIndicator>
        <Check aria-hidden="true" className="size-4" />
      </DropdownMenu.ItemIndicator>
    </span>
  );
}
