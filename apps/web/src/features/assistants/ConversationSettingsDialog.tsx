import type { components } from "@hearth/sdk";
import { SlidersHorizontal } from "lucide-react";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useAssistants, useConversationSettings, useSaveConversationSettings } from "./assistant-queries.ts";
import { PromptField } from "./PromptField.tsx";
import { SamplingFields } from "./SamplingFields.tsx";
import { fieldErrors, toSampling, toSamplingForm } from "./sampling-form.ts";

type Conversation = components["schemas"]["Conversation"];
type ContextStrategy = Conversation["contextStrategy"];
const STRATEGIES: readonly ContextStrategy[] = ["drop-oldest", "summarize"];

/**
 * A button that opens the open conversation's own settings: its system prompt and sampling (copied
 * from its assistant when it started from one), which its next replies use.
 */
export function ConversationSettingsButton({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation("assistants");
  const conversation = useConversationSettings(conversationId);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        variant="ghost"
        size="icon"
        aria-label={t("conversation.open")}
        disabled={conversation.data === undefined}
        onClick={() => setOpen(true)}
      >
        <SlidersHorizontal aria-hidden="true" className="size-4" />
      </Button>
      {conversation.data !== undefined && (
        <ConversationSettingsDialog conversation={conversation.data} open={open} onOpenChange={setOpen} />
      )}
    </>
  );
}

function ConversationSettingsDialog({
  conversation,
  open,
  onOpenChange,
}: {
  conversation: Conversation;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { t } = useTranslation("assistants");
  const save = useSaveConversationSettings(conversation.id);
  const assistants = useAssistants();
  const [systemPrompt, setSystemPrompt] = useState(conversation.systemPrompt ?? "");
  const [sampling, setSampling] = useState(() => toSamplingForm(conversation.sampling));
  const [contextStrategy, setContextStrategy] = useState(conversation.contextStrategy);
  const errors = fieldErrors(save.error);
  const formRef = useRef<HTMLFormElement>(null);
  const assistant = assistants.data?.find((each) => each.id === conversation.assistantId);

  useEffect(() => {
    if (!open) return;
    setSystemPrompt(conversation.systemPrompt ?? "");
    setSampling(toSamplingForm(conversation.sampling));
    setContextStrategy(conversation.contextStrategy);
  }, [open, conversation]);
  useEffect(() => {
    if (save.error === null) return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [save.error]);

  const close = (isOpen: boolean) => {
    onOpenChange(isOpen);
    if (!isOpen) save.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      {
        systemPrompt: systemPrompt.trim() === "" ? null : systemPrompt,
        sampling: toSampling(sampling),
        contextStrategy,
      },
      { onSuccess: () => close(false) },
    );
  };

  return (
    <Dialog
      open={open}
      onOpenChange={close}
      title={t("conversation.title")}
      description={
        assistant === undefined ? t("conversation.intro") : t("conversation.fromAssistant", { name: assistant.name })
      }
    >
      <form ref={formRef} onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <PromptField
          label={t("editor.systemPrompt")}
          hint={t("conversation.systemPromptHint")}
          value={systemPrompt}
          error={errors.systemPrompt}
          onChange={setSystemPrompt}
        />
        <SamplingFields value={sampling} onChange={setSampling} errors={errors} />
        <SelectField
          label={t("conversation.contextStrategy")}
          hint={t(`conversation.contextStrategyHint.${contextStrategy}`)}
          value={contextStrategy}
          onChange={(event) => setContextStrategy(event.target.value as ContextStrategy)}
        >
          {STRATEGIES.map((strategy) => (
            <option key={strategy} value={strategy}>
              {t(`conversation.contextStrategies.${strategy}`)}
            </option>
          ))}
        </SelectField>
        {save.isError && Object.keys(errors).length === 0 && (
          <p role="alert" className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive">
            {problemMessage(save.error, t)}
          </p>
        )}
        <div className="flex flex-wrap justify-end gap-2">
          <DialogClose asChild>
            <Button>{t("common:cancel")}</Button>
          </DialogClose>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            {t("common:save")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
