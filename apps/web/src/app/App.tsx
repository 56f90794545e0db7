import { QueryClientProvider } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { LoginPage } from "../features/auth/LoginPage.tsx";
import { SetupPage } from "../features/auth/SetupPage.tsx";
import { useMe, useSetupState } from "../features/auth/session-queries.ts";
import { queryClient } from "../lib/query-client.ts";
import { Routes } from "./Routes.tsx";

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Gate />
    </QueryClientProvider>
  );
}

/** Setup first, then sign-in, then the app. */
function Gate() {
  const { t } = useTranslation();
  const setup = useSetupState();
  const me = useMe();
  if (setup.isError || me.isError) {
    return (
      <main className="flex h-full items-center justify-center p-4">
        <p role="alert">{t("errors.unreachable")}</p>
      </main>
    );
  }
  if (setup.data === undefined || me.data === undefined) {
    return <main aria-busy="true" aria-label={t("loading")} className="h-full" />;
  }
  if (!setup.data.isSetup) return <SetupPage />;
  if (me.data === null) return <LoginPage />;
  return <Routes user={me.data} />;
}
