import { isHearthError, unwrap } from "@hearth/sdk";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { client } from "../../lib/client.ts";
import { problemMessage } from "../../lib/problem-message.ts";

/** Changes the password, given the current one; the server ends the user's other sessions. */
export function PasswordSection() {
  const { t } = useTranslation("settings");
  const [currentPassword, setCurrentPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [isMismatchShown, setMismatchShown] = useState(false);
  const currentField = useRef<HTMLInputElement>(null);
  const repeatField = useRef<HTMLInputElement>(null);
  const change = useMutation({
    mutationFn: async (body: { currentPassword: string; newPassword: string }) =>
      unwrap(await client.api.POST("/api/auth/password", { body })),
    onSuccess: () => {
      setCurrentPassword("");
      setNewPassword("");
      setRepeated("");
    },
  });
  // The field at fault gets the focus once its error is shown, so the error is read out with it.
  useEffect(() => {
    if (isHearthError(change.error, "wrong-password")) currentField.current?.focus();
  }, [change.error]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (newPassword !== repeated) {
      setMismatchShown(true);
      repeatField.current?.focus();
      return;
    }
    setMismatchShown(false);
    change.mutate({ currentPassword, newPassword });
  };
  const error = change.error;
  const currentError = isHearthError(error, "wrong-password") ? t("password.wrong") : undefined;
  const otherError =
    error === null || currentError !== undefined
      ? undefined
      : isHearthError(error, "rate-limited")
        ? t("password.rateLimited", { seconds: error.problem.retryAfterSeconds })
        : problemMessage(error, t);
  return (
    <PageSection title={t("password.title")} intro={t("password.intro")}>
      <form onSubmit={submit} className="flex max-w-md flex-col gap-4">
        <TextField
          ref={currentField}
          label={t("password.current")}
          type="password"
          autoComplete="current-password"
          required
          value={currentPassword}
          error={currentError}
          onChange={(event) => setCurrentPassword(event.target.value)}
        />
        <TextField
          label={t("password.new")}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={1024}
          hint={t("password.newHint")}
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
        />
        <TextField
          ref={repeatField}
          label={t("password.repeat")}
          type="password"
          autoComplete="new-password"
          required
          value={repeated}
          error={isMismatchShown && newPassword !== repeated ? t("password.mismatch") : undefined}
          onChange={(event) => setRepeated(event.target.value)}
        />
        {otherError !== undefined && (
          <p role="alert" className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive">
            {otherError}
          </p>
        )}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" variant="primary" disabled={change.isPending}>
            {t("password.submit")}
          </Button>
          <p role="status" className="text-sm text-muted-foreground">
            {change.isSuccess ? t("password.changed") : ""}
          </p>
        </div>
      </form>
    </PageSection>
  );
}
