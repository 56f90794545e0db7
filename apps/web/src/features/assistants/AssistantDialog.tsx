import type { components } from "@hearth/sdk";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useModels, useTools } from "../models/model-queries.ts";
import { useSaveAssistant } from "./assistant-queries.ts";
import { PromptField } from "./PromptField.tsx";
import { SamplingFields } from "./SamplingFields.tsx";
import { fieldErrors, type SamplingForm, toSampling, toSamplingForm } from "./sampling-form.ts";

type Assistant = components["schemas"]["Assistant"];

interface Form {
  name: string;
  description: string;
  model: string;
  systemPrompt: string;
  sampling: SamplingForm;
  tools: string[];
  isShared: boolean;
}

function toForm(assistant: Assistant | undefined): Form {
  return {
    name: assistant?.name ?? "",
    description: assistant?.description ?? "",
    model: assistant?.model ?? "",
    systemPrompt: assistant?.systemPrompt ?? "",
    sampling: toSamplingForm(assistant?.sampling ?? {}),
    tools: assistant?.tools ?? [],
    isShared: assistant?.isShared ?? false,
  };
}

interface AssistantDialogProps {
  /** The assistant to change; undefined makes a new one. */
  assistant: Assistant | undefined;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Admins may share an assistant with everyone. */
  isAdmin: boolean;
}

/**
 * Makes or changes an assistant: its name, what it is for, its model, system prompt, sampling and
 * tools, and (for admins) whether everyone sees it. The server's word on a field is shown beside it,
 * and the first such field gets the focus.
 */
export function AssistantDialog({ assistant, open, onOpenChange, isAdmin }: AssistantDialogProps) {
  const { t } = useTranslation("assistants");
  const save = useSaveAssistant();
  const models = useModels();
  const tools = useTools();
  const [form, setForm] = useState(() => toForm(assistant));
  const errors = fieldErrors(save.error);
  const hasFieldError = Object.keys(errors).length > 0;
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (open) setForm(toForm(assistant));
  }, [open, assistant]);
  useEffect(() => {
    if (save.error === null) return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [save.error]);

  const close = (isOpen: boolean) => {
    onOpenChange(isOpen);
    if (!isOpen) save.reset();
  };
  const set = <Field extends keyof Form>(field: Field, value: Form[Field]) =>
    setForm((current) => ({ ...current, [field]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = {
      name: form.name,
      description: form.description.trim() === "" ? null : form.description,
      model: form.model === "" ? null : form.model,
      systemPrompt: form.systemPrompt.trim() === "" ? null : form.systemPrompt,
      sampling: toSampling(form.sampling),
      tools: form.tools,
      ...(isAdmin ? { isShared: form.isShared } : {}),
    };
    save.mutate({ id: assistant?.id, body }, { onSuccess: () => close(false) });
  };
  const chatModels = (models.data?.data ?? []).filter((model) => model.capabilities.chat);
  const isUnlisted = form.model !== "" && !chatModels.some((model) => model.id === form.model);

  return (
    <Dialog
      open={open}
      onOpenChange={close}
      title={assistant === undefined ? t("editor.createTitle") : t("editor.editTitle", { name: assistant.name })}
      description={t("editor.intro")}
    >
      <form ref={formRef} onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <TextField
          label={t("editor.name")}
          required
          maxLength={100}
          value={form.name}
          error={errors.name}
          onChange={(event) => set("name", event.target.value)}
        />
        <TextField
          label={t("editor.description")}
          hint={t("editor.descriptionHint")}
          maxLength={500}
          value={form.description}
          error={errors.description}
          onChange={(event) => set("description", event.target.value)}
        />
        <SelectField
          label={t("editor.model")}
          hint={errors.model ?? t("editor.modelHint")}
          value={form.model}
          onChange={(event) => set("model", event.target.value)}
        >
          <option value="">{t("editor.defaultModel")}</option>
          {chatModels.map((model) => (
            <option key={model.id} value={model.id}>
              {model.id}
            </option>
          ))}
          {isUnlisted && <option value={form.model}>{form.model}</option>}
        </SelectField>
        <PromptField
          label={t("editor.systemPrompt")}
          hint={t("editor.systemPromptHint")}
          value={form.systemPrompt}
          error={errors.systemPrompt}
          onChange={(value) => set("systemPrompt", value)}
        />
        <SamplingFields value={form.sampling} onChange={(value) => set("sampling", value)} errors={errors} />
        {(tools.data ?? []).length > 0 && (
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 font-semibold">{t("editor.tools")}</legend>
            {(tools.data ?? []).map((tool) => (
              <label key={tool.name} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-0.5 size-4"
                  checked={form.tools.includes(tool.name)}
                  onChange={(event) =>
                    set(
                      "tools",
                      event.target.checked
                        ? [...form.tools, tool.name]
                        : form.tools.filter((name) => name !== tool.name),
                    )
                  }
                />
                <span className="flex flex-col">
                  <span className="font-medium">{tool.name}</span>
                  <span className="text-muted-foreground">{tool.description}</span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {isAdmin && (
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-0.5 size-4"
              checked={form.isShared}
              onChange={(event) => set("isShared", event.target.checked)}
            />
            <span className="flex flex-col">
              <span className="font-medium">{t("editor.shared")}</span>
              <span className="text-muted-foreground">{t("editor.sharedHint")}</span>
            </span>
          </label>
        )}
        {save.isError && !hasFieldError && (
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
