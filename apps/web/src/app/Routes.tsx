import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { Route, Switch } from "wouter";
import { AdminPage } from "../features/admin/AdminPage.tsx";
import { ConversationView } from "../features/chat/ConversationView.tsx";
import { ConversationToolbar } from "../features/models/ConversationToolbar.tsx";
import { useApplyPreferences } from "../features/settings/preferences.ts";
import { SettingsPage } from "../features/settings/SettingsPage.tsx";
import { Shell } from "./Shell.tsx";

type User = components["schemas"]["User"];

export function Routes({ user }: { user: User }) {
  useApplyPreferences(user);
  return (
    <Shell user={user}>
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
