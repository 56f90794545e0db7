import { type components, isHearthError } from "@hearth/sdk";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useSaveProfile } from "./queries.ts";

type Profile = components["schemas"]["RateLimitProfile"];

const LIMITS = ["requestsPerMinute", "requestsPerDay", "tokensPerMinute", "tokensPerDay"] as const;
type Limit = (typeof LIMITS)[number];
type Form = { id: string; description: string } & Record<Limit, string>;

const EMPTY: Form = {
  id: "",
  description: "",
  requestsPerMinute: "",
  requestsPerDay: "",
  tokensPerMinute: "",
  tokensPerDay: "",
};

function toForm(profile: Profile | undefined): Form {
  if (profile === undefined) return EMPTY;
  const text = (value: number | null) => (value === null ? "" : String(value));
  return {
    id: profile.id,
    description: profile.description ?? "",
    requestsPerMinute: text(profile.requestsPerMinute),
    requestsPerDay: text(profile.requestsPerDay),
    tokensPerMinute: text(profile.tokensPerMinute),
    tokensPerDay: text(profile.tokensPerDay),
  };
}

/** A field as the API takes it: empty is no limit (null); text that is no number goes as is, for the server to name. */
const limitOf = (value: string): number | null => {
  if (value.trim() === "") return null;
  const parsed = Number(value);
  return (Number.isFinite(parsed) ? parsed : value) as number;
};

function fieldErrors(error: unknown): Partial<Record<keyof Form, string>> {
  const errors: Partial<Record<keyof Form, string>> = {};
  if (!isHearthError(error, "validation-failed")) return errors;
  for (const issue of error.problem.issues as { field: string; message: string }[])
    errors[issue.field as keyof Form] ??= issue.message;
  return errors;
}

/** Defines a profile, or (given one) changes its limits and description. Empty limits are no limit. */
export function ProfileDialog({
  profile,
  open,
  onOpenChange,
}: {
  profile?: Profile | undefined;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { t } = useTranslation("rateLimits");
  const save = useSaveProfile();
  const [form, setForm] = useState(() => toForm(profile));
  const errors = fieldErrors(save.error);
  useEffect(() => {
    if (open) setForm(toForm(profile));
  }, [open, profile]);
  const close = (isOpen: boolean) => {
    onOpenChange(isOpen);
    if (!isOpen) save.reset();
  };
  const change = (field: keyof Form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const limits = Object.fromEntries(LIMITS.map((name) => [name, limitOf(form[name])])) as Record<
      Limit,
      number | null
    >;
    const description = form.description.trim() === "" ? null : form.description.trim();
    save.mutate(
      profile === undefined
        ? { create: { id: form.id.trim(), description, ...limits } }
        : { id: profile.id, change: { description, ...limits } },
      { onSuccess: () => close(false) },
    );
  };
  return (
    <Dialog
      open={open}
      onOpenChange={close}
      title={profile === undefined ? t("addTitle") : t("editTitle", { id: profile.id })}
      description={t("dialogIntro")}
    >
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        {profile === undefined && (
          <TextField
            label={t("id")}
            hint={t("idHint")}
            autoComplete="off"
            spellCheck={false}
            maxLength={63}
            value={form.id}
            error={errors.id}
            onChange={change("id")}
          />
        )}
        <TextField
          label={t("description")}
          autoComplete="off"
          maxLength={500}
          value={form.description}
          error={errors.description}
          onChange={change("description")}
        />
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          {LIMITS.map((name) => (
            <TextField
              key={name}
              label={t(`limits.${name}`)}
              inputMode="numeric"
              autoComplete="off"
              value={form[name]}
              error={errors[name]}
              onChange={change(name)}
            />
          ))}
        </div>
        <p className="text-sm text-muted-foreground">{t("limitsHint")}</p>
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
            {t("save")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
