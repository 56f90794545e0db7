import { type components, isHearthError } from "@hearth/sdk";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useStartModelPull } from "./admin-queries.ts";

type StartModelPull = components["schemas"]["StartModelPull"];

const EMPTY = { source: "", fileName: "", sha256: "" };
type Field = keyof typeof EMPTY;
const FIELDS: readonly Field[] = ["source", "fileName", "sha256"];

/** The form's fields as the API takes them: an empty file name or sha256 is left out (the defaults). */
function toInput(form: typeof EMPTY): StartModelPull {
  const fileName = form.fileName.trim();
  const sha256 = form.sha256.trim();
  return {
    source: form.source.trim(),
    ...(fileName === "" ? {} : { fileName }),
    ...(sha256 === "" ? {} : { sha256 }),
  };
}

/** What a refused request says of each field here (a 400's issues), by field. */
function fieldErrors(error: unknown): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!isHearthError(error, "validation-failed")) return errors;
  const issues: unknown = error.problem.issues;
  if (!Array.isArray(issues)) return errors;
  for (const issue of issues as { field?: unknown; message?: unknown }[]) {
    const field = FIELDS.find((each) => each === issue.field);
    if (field !== undefined && typeof issue.message === "string") errors[field] ??= issue.message;
  }
  return errors;
}

/**
 * Starts a pull: a source, and under "more options" the file name to store it as and a sha256 to
 * check. The server's word on a field is shown beside that field (which gets the focus); any other
 * refusal as an alert.
 */
export function PullModelForm() {
  const { t } = useTranslation("admin");
  const start = useStartModelPull();
  const [form, setForm] = useState(EMPTY);
  const [isMoreShown, setMoreShown] = useState(false);
  const headingId = useId();
  const moreId = useId();
  const sourceField = useRef<HTMLInputElement>(null);
  const fileNameField = useRef<HTMLInputElement>(null);
  const sha256Field = useRef<HTMLInputElement>(null);
  const errors = fieldErrors(start.error);
  const faulty = FIELDS.find((field) => errors[field] !== undefined);
  // A field at fault among the options is never hidden.
  const isMoreOpen = isMoreShown || errors.fileName !== undefined || errors.sha256 !== undefined;
  const change = (field: Field) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));

  // The field at fault gets the focus once its error is shown, so the error is read out with it.
  useEffect(() => {
    const fields = { source: sourceField, fileName: fileNameField, sha256: sha256Field };
    const field = FIELDS.find((each) => fieldErrors(start.error)[each] !== undefined);
    if (field !== undefined) fields[field].current?.focus();
  }, [start.error]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate(toInput(form), {
      onSuccess: () => {
        setForm(EMPTY);
        setMoreShown(false);
      },
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby={headingId} className="flex max-w-xl flex-col gap-4">
      <h3 id={headingId} className="font-semibold">
        {t("models.pullTitle")}
      </h3>
      <TextField
        ref={sourceField}
        label={t("models.source")}
        hint={t("models.sourceHint")}
        placeholder="hf:user/repo:Q4_K_M"
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={2000}
        value={form.source}
        error={errors.source}
        onChange={change("source")}
      />
      <Button
        className="self-start"
        aria-expanded={isMoreOpen}
        aria-controls={moreId}
        onClick={() => setMoreShown(!isMoreOpen)}
      >
        {t("models.moreOptions")}
      </Button>
      <div id={moreId} className="flex flex-col gap-4 empty:hidden">
        {isMoreOpen && (
          <>
            <TextField
              ref={fileNameField}
              label={t("models.fileName")}
              hint={t("models.fileNameHint")}
              autoComplete="off"
              spellCheck={false}
              maxLength={200}
              value={form.fileName}
              error={errors.fileName}
              onChange={change("fileName")}
            />
            <TextField
              ref={sha256Field}
              label={t("models.sha256")}
              hint={t("models.sha256Hint")}
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              value={form.sha256}
              error={errors.sha256}
              onChange={change("sha256")}
            />
          </>
        )}
      </div>
      {start.isError && faulty === undefined && (
        <p role="alert" className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive">
          {problemMessage(start.error, t)}
        </p>
      )}
      <Button type="submit" variant="primary" className="self-start" disabled={start.isPending}>
        {t("models.pull")}
      </Button>
    </form>
  );
}
