import type { components } from "@hearth/sdk";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useCreateProvider } from "./admin-queries.ts";

type ProviderKind = components["schemas"]["ProviderKind"];
type CreateProviderInput = components["schemas"]["CreateProviderInput"];

const EMPTY = { kind: "openai-compatible" as ProviderKind, id: "", baseUrl: "", apiKey: "", models: "" };

/** The form's fields as the API takes them: an empty key or model list is left out (no key; every model). */
function toInput(form: typeof EMPTY): CreateProviderInput {
  const models = form.models
    .split(/[,\n]/)
    .map((model) => model.trim())
    .filter((model) => model !== "");
  return {
    kind: form.kind,
    id: form.id.trim(),
    baseUrl: form.baseUrl.trim(),
    ...(form.apiKey === "" ? {} : { apiKey: form.apiKey }),
    ...(models.length === 0 ? {} : { models }),
  };
}

/** A new provider: an OpenAI-compatible server or Ollama, by its address and, where it needs one, a key. */
export function AddProviderDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { t } = useTranslation("admin");
  const create = useCreateProvider();
  const [form, setForm] = useState(EMPTY);
  const change = (field: keyof typeof EMPTY) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));
  const close = (isOpen: boolean) => {
    onOpenChange(isOpen);
    if (!isOpen) {
      setForm(EMPTY);
      create.reset();
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(toInput(form), { onSuccess: () => close(false) });
  };
  return (
    <Dialog open={open} onOpenChange={close} title={t("providers.addTitle")} description={t("providers.addIntro")}>
      <form onSubmit={submit} className="flex flex-col gap-4">
        <SelectField label={t("providers.kind")} value={form.kind} onChange={change("kind")}>
          <option value="openai-compatible">{t("providers.kinds.openai-compatible")}</option>
          <option value="ollama">{t("providers.kinds.ollama")}</option>
        </SelectField>
        <TextField
          label={t("providers.id")}
          hint={t("providers.idHint")}
          autoComplete="off"
          required
          maxLength={32}
          value={form.id}
          onChange={change("id")}
        />
        <TextField
          label={t("providers.baseUrl")}
          hint={t("providers.baseUrlHint")}
          type="url"
          autoComplete="off"
          required
          maxLength={2048}
          value={form.baseUrl}
          onChange={change("baseUrl")}
        />
        <TextField
          label={t("providers.apiKey")}
          hint={t("providers.apiKeyHint")}
          type="password"
          autoComplete="off"
          maxLength={4096}
          value={form.apiKey}
          onChange={change("apiKey")}
        />
        <TextField
          label={t("providers.models")}
          hint={t("providers.modelsHint")}
          autoComplete="off"
          value={form.models}
          onChange={change("models")}
        />
        {create.isError && (
          <p role="alert" className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive">
            {problemMessage(create.error, t)}
          </p>
        )}
        <div className="flex flex-wrap justify-end gap-2">
          <DialogClose asChild>
            <Button>{t("common:cancel")}</Button>
          </DialogClose>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {t("providers.addSubmit")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
