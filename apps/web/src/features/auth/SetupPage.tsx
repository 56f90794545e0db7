import { useState } from "react";
import { useTranslation } from "react-i18next";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { AuthCard } from "./AuthCard.tsx";
import { useSetup } from "./session-queries.ts";

/** First run: the first account, an admin, then signed in. */
export function SetupPage() {
  const { t } = useTranslation("auth");
  const setup = useSetup();
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  return (
    <AuthCard
      title={t("setup.title")}
      intro={t("setup.intro")}
      submitLabel={t("setup.submit")}
      isPending={setup.isPending}
      error={setup.error === null ? undefined : problemMessage(setup.error, t)}
      onSubmit={() => setup.mutate({ username, email, password })}
    >
      <TextField
        label={t("fields.username")}
        autoComplete="username"
        required
        value={username}
        onChange={(event) => setUsername(event.target.value)}
      />
      <TextField
        label={t("fields.email")}
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <TextField
        label={t("fields.password")}
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        hint={t("fields.passwordHint")}
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
    </AuthCard>
  );
}
