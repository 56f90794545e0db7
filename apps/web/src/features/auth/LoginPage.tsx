import { useState } from "react";
import { useTranslation } from "react-i18next";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { AuthCard } from "./AuthCard.tsx";
import { useLogin } from "./session-queries.ts";

export function LoginPage() {
  const { t } = useTranslation("auth");
  const login = useLogin();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  return (
    <AuthCard
      title={t("login.title")}
      intro={t("login.intro")}
      submitLabel={t("login.submit")}
      isPending={login.isPending}
      error={login.error === null ? undefined : problemMessage(login.error, t)}
      onSubmit={() => login.mutate({ email, password })}
    >
      <TextField
        label={t("fields.email")}
        type="email"
        autoComplete="username"
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <TextField
        label={t("fields.password")}
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
    </AuthCard>
  );
}
