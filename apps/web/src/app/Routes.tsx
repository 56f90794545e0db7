import type { components } from "@hearth/sdk";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Route, Switch } from "wouter";
import { ConversationView } from "../features/chat/ConversationView.tsx";
import { ConversationToolbar } from "../features/models/ConversationToolbar.tsx";
import { useApplyPreferences } from "../features/settings/preferences.ts";
import { Shell } from "./Shell.tsx";

type User = components["schemas"]["User"];

// Screens visited now and then load when first opened, keeping the chat's first load small.
const SettingsPage = lazy(() =>
  import("../features/settings/SettingsPage.tsx").then((module) => ({ default: module.SettingsPage })),
);
const AdminPage = lazy(() =>
  import("../features/admin/AdminPage.tsx").then((module) => ({ default: module.AdminPage })),
);

export function Routes({ user }: { user: User }) {
  useApplyPreferences(user);
  return (
    <Shell user={user}>
      <Suspense fallback={null}>
        <Switch>
          <Route path="/">
            <ConversationView conversationId={undefined} toolbar={<ConversationToolbar conversationId={undefined} />} />
          </Route>
          <Route path="/c/:id">
            {(params) => (
              <ConversationView
                key={params.id}
                conversationId={params.id}
                toolbar={<ConversationToolbar conversationId={params.id} />}
              />
            )}
          </Route>
          <Route path="/settings/:section?">{(params) => <SettingsPage user={user} section={params.section} />}</Route>
          {/* Anyone else is shown no more than for a page that does not exist (the API answers them 403). */}
          <Route path="/admin/:section?">
            {(params) => (user.role === "admin" ? <AdminPage user={user} section={params.section} /> : <NotFound />)}
          </Route>
          <Route>
            <NotFound />
          </Route>
        </Switch>
      </Suspense>
    </Shell>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="flex h-full items-center justify-center p-4">
      <h1 className="text-lg">{t("errors.notFound")}</h1>
    </div>
  );
}
