import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useCreateUser } from "./admin-queries.ts";

const EMPTY = { username: "", email: "", password: "", role: "user" as "user" | "admin" };

/** A new account: its name, email, first password (the user can change it in settings) and role. */
export function CreateUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { t } = useTranslation("admin");
  const create = useCreateUser();
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
    create.mutate(form, { onSuccess: () => close(false) });
  };
  return (
    <Dialog open={open} onOpenChange={close} title={t("users.createTitle")} description={t("users.createIntro")}>
      <form onSubmit={submit} className="flex flex-col gap-4">
        <TextField
          label={t("users.username")}
          autoComplete="off"
          required
          maxLength={64}
          value={form.username}
          onChange={change("username")}
        />
        <TextField
          label={t("users.email")}
          type="email"
          autoComplete="off"
          required
          maxLength={254}
          value={form.email}
          onChange={change("email")}
        />
        <TextField
          label={t("users.password")}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={1024}
          hint={t("users.passwordHint")}
          value={form.password}
          onChange={change("password")}
        />
        <SelectField label={t("users.role")} value={form.role} onChange={change("role")}>
          <option value="user">{t("users.roles.user")}</option>
          <option value="admin">{t("users.roles.admin")}</option>
        </SelectField>
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
            {t("users.createSubmit")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
