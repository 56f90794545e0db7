import { type components, isHearthError } from "@hearth/sdk";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useSaveModelSettings } from "./admin-queries.ts";

type ModelSettings = components["schemas"]["ModelSettings"];

/** node-llama-cpp's built-in chat formats, as the server takes them (CHAT_FORMATS in @hearth/engine/spec). */
const CHAT_FORMATS = [
  "chatML",
  "llama3.1",
  "llama3",
  "llama3.2-lightweight",
  "llama2Chat",
  "mistral",
  "qwen",
  "deepSeek",
  "gemma",
  "gemma4",
  "harmony",
  "functionary",
  "alpacaChat",
  "falconChat",
  "seed",
  "muse",
  "general",
];
/** The chat-template select's choices besides the formats. */
const OWN = "";
const CUSTOM = "custom";

const SAMPLING = ["temperature", "topP", "topK", "minP", "repeatPenalty", "maxOutputTokens"] as const;
type SamplingField = (typeof SAMPLING)[number];

interface Form {
  contextSize: string;
  gpuLayers: string;
  chatFormat: string;
  jinja: string;
  keepLoadedMinutes: string;
  systemPrompt: string;
  sampling: Record<SamplingField, string>;
}
type Field = Exclude<keyof Form, "sampling" | "chatFormat" | "jinja"> | "chatTemplate" | `sampling.${SamplingField}`;

const text = (value: number | null | undefined) => (value === null || value === undefined ? "" : String(value));
/**
 * A field's number, null when empty. Text that is no number goes as it is, so the server names the
 * field (NaN would go as null, the default, and the mistake pass unseen).
 */
const asNumber = (value: string): number => {
  const parsed = Number(value);
  return (Number.isFinite(parsed) ? parsed : value) as number;
};
const numberOrNull = (value: string) => (value.trim() === "" ? null : asNumber(value));

function toForm(settings: ModelSettings): Form {
  const template = settings.chatTemplate;
  const isFormat = template !== null && CHAT_FORMATS.includes(template);
  return {
    contextSize: text(settings.contextSize),
    gpuLayers: String(settings.gpuLayers),
    chatFormat: template === null ? OWN : isFormat ? template : CUSTOM,
    jinja: template !== null && !isFormat ? template : "",
    keepLoadedMinutes: settings.keepLoadedSeconds === null ? "" : String(settings.keepLoadedSeconds / 60),
    systemPrompt: settings.systemPrompt ?? "",
    sampling: Object.fromEntries(SAMPLING.map((name) => [name, text(settings.sampling[name])])) as Form["sampling"],
  };
}

/** The form as the API takes it: an empty field is the default (null); what is not a number the server names. */
function toSettings(form: Form): ModelSettings {
  const minutes = numberOrNull(form.keepLoadedMinutes);
  const sampling = Object.fromEntries(
    SAMPLING.flatMap((name) => (form.sampling[name].trim() === "" ? [] : [[name, asNumber(form.sampling[name])]])),
  );
  return {
    contextSize: numberOrNull(form.contextSize),
    gpuLayers: ["auto", ""].includes(form.gpuLayers.trim()) ? "auto" : asNumber(form.gpuLayers),
    chatTemplate: form.chatFormat === OWN ? null : form.chatFormat === CUSTOM ? form.jinja : form.chatFormat,
    keepLoadedSeconds: minutes === null || typeof minutes !== "number" ? minutes : Math.round(minutes * 60),
    systemPrompt: form.systemPrompt.trim() === "" ? null : form.systemPrompt,
    sampling,
  };
}

/** What a refused save says of each field (a 400's issues), by field. */
function fieldErrors(error: unknown): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!isHearthError(error, "validation-failed")) return errors;
  const issues: unknown = error.problem.issues;
  if (!Array.isArray(issues)) return errors;
  for (const issue of issues as { field?: unknown; message?: unknown }[]) {
    if (typeof issue.field === "string" && typeof issue.message === "string")
      errors[(issue.field === "keepLoadedSeconds" ? "keepLoadedMinutes" : issue.field) as Field] ??= issue.message;
  }
  return errors;
}

/**
 * A local model's settings: how llama.cpp loads it (context, GPU layers, chat template, how long it
 * stays loaded) and what its calls get when they say nothing (system prompt, sampling). Empty fields
 * are the defaults. The server's word on a field is shown beside it, and the first such field gets the focus.
 */
export function ModelSettingsDialog({
  modelId,
  name,
  settings,
  open,
  onOpenChange,
}: {
  modelId: string;
  name: string;
  settings: ModelSettings;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { t } = useTranslation("admin");
  const save = useSaveModelSettings();
  const [form, setForm] = useState(() => toForm(settings));
  const errors = fieldErrors(save.error);
  const hasFieldError = Object.keys(errors).length > 0;
  const formRef = useRef<HTMLFormElement>(null);
  const templateId = useId();
  const promptId = useId();

  useEffect(() => {
    if (open) setForm(toForm(settings));
  }, [open, settings]);
  // The first field at fault gets the focus once its error is shown, so the error is read out with it.
  useEffect(() => {
    if (save.error === null) return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [save.error]);

  const close = (isOpen: boolean) => {
    onOpenChange(isOpen);
    if (!isOpen) save.reset();
  };
  const change = (field: Exclude<keyof Form, "sampling">) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));
  const changeSampling = (field: SamplingField) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, sampling: { ...current.sampling, [field]: event.target.value } }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ id: modelId, settings: toSettings(form) }, { onSuccess: () => close(false) });
  };
  const reset = () => save.mutate({ id: modelId, settings: null }, { onSuccess: () => close(false) });
  const numeric = { inputMode: "decimal" as const, autoComplete: "off", spellCheck: false };

  return (
    <Dialog
      open={open}
      onOpenChange={close}
      title={t("models.settings.title", { name })}
      description={t("models.settings.intro")}
    >
      <form ref={formRef} onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <fieldset className="flex flex-col gap-4">
          <legend className="mb-2 font-semibold">{t("models.settings.loading")}</legend>
          <TextField
            label={t("models.settings.contextSize")}
            hint={t("models.settings.contextSizeHint")}
            {...numeric}
            inputMode="numeric"
            value={form.contextSize}
            error={errors.contextSize}
            onChange={change("contextSize")}
          />
          <TextField
            label={t("models.settings.gpuLayers")}
            hint={t("models.settings.gpuLayersHint")}
            {...numeric}
            value={form.gpuLayers}
            error={errors.gpuLayers}
            onChange={change("gpuLayers")}
          />
          <SelectField
            label={t("models.settings.chatTemplate")}
            hint={t("models.settings.chatTemplateHint")}
            value={form.chatFormat}
            onChange={change("chatFormat")}
          >
            <option value={OWN}>{t("models.settings.ownTemplate")}</option>
            {CHAT_FORMATS.map((format) => (
              <option key={format} value={format}>
                {format}
              </option>
            ))}
            <option value={CUSTOM}>{t("models.settings.customTemplate")}</option>
          </SelectField>
          {form.chatFormat === CUSTOM && (
            <div className="flex flex-col gap-1.5">
              <label htmlFor={templateId} className="text-sm font-medium">
                {t("models.settings.jinja")}
              </label>
              <textarea
                id={templateId}
                rows={6}
                spellCheck={false}
                maxLength={64_000}
                aria-invalid={errors.chatTemplate !== undefined || undefined}
                aria-describedby={errors.chatTemplate === undefined ? undefined : `${templateId}-error`}
                className="rounded-md border border-input bg-background px-3 py-2 font-mono text-sm text-foreground"
                value={form.jinja}
                onChange={change("jinja")}
              />
            </div>
          )}
          {errors.chatTemplate !== undefined && (
            <p id={`${templateId}-error`} className="text-sm text-destructive">
              {errors.chatTemplate}
            </p>
          )}
          <TextField
            label={t("models.settings.keepLoaded")}
            hint={t("models.settings.keepLoadedHint")}
            {...numeric}
            value={form.keepLoadedMinutes}
            error={errors.keepLoadedMinutes}
            onChange={change("keepLoadedMinutes")}
          />
        </fieldset>
        <fieldset className="flex flex-col gap-4">
          <legend className="mb-2 font-semibold">{t("models.settings.defaults")}</legend>
          <div className="flex flex-col gap-1.5">
            <label htmlFor={promptId} className="text-sm font-medium">
              {t("models.settings.systemPrompt")}
            </label>
            <textarea
              id={promptId}
              rows={3}
              maxLength={16_000}
              aria-invalid={errors.systemPrompt !== undefined || undefined}
              aria-describedby={`${promptId}-note`}
              className="rounded-md border border-input bg-background px-3 py-2 text-base text-foreground sm:text-sm"
              value={form.systemPrompt}
              onChange={change("systemPrompt")}
            />
            <p
              id={`${promptId}-note`}
              className={`text-sm ${errors.systemPrompt === undefined ? "text-muted-foreground" : "text-destructive"}`}
            >
              {errors.systemPrompt ?? t("models.settings.systemPromptHint")}
            </p>
          </div>
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
            {SAMPLING.map((field) => (
              <TextField
                key={field}
                label={t(`models.settings.sampling.${field}`)}
                {...numeric}
                value={form.sampling[field]}
                error={errors[`sampling.${field}`]}
                onChange={changeSampling(field)}
              />
            ))}
          </div>
          <p className="text-sm text-muted-foreground">{t("models.settings.samplingHint")}</p>
        </fieldset>
        {save.isError && !hasFieldError && (
          <p role="alert" className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive">
            {problemMessage(save.error, t)}
          </p>
        )}
        <div className="flex flex-wrap justify-end gap-2">
          <Button onClick={reset} disabled={save.isPending} className="mr-auto">
            {t("models.settings.reset")}
          </Button>
          <DialogClose asChild>
            <Button>{t("common:cancel")}</Button>
          </DialogClose>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            {t("models.settings.save")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
