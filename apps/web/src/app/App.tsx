import { QueryClientProvider } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { LoginPage } from "../features/auth/LoginPage.tsx";
import { SetupPage } from "../features/auth/SetupPage.tsx";
import { useMe, useSetupState } from "../features/auth/session-queries.ts";
import { queryClient } from "../lib/query-client.ts";
import { useOnline } from "../lib/use-online.ts";
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
  const isOnline = useOnline();
  const isLoaded = setup.data !== undefined && me.data !== undefined;
  // Offline, queries wait for the network instead of failing; they resume by themselves when it is back.
  if (setup.isError || me.isError || (!isLoaded && !isOnline)) {
    return (
      <main className="flex h-full flex-col items-center justify-center gap-4 p-4 text-center">
        <img src="/icon.svg" alt="" className="size-12" />
        <h1 className="text-xl font-semibold">{t("appName")}</h1>
        <p role="alert">{isOnline ? t("errors.unreachable") : t("offline")}</p>
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
