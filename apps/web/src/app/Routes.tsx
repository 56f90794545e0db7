import type { components } from "@hearth/sdk";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Route, Switch } from "wouter";
import { AssistantPicker } from "../features/assistants/AssistantPicker.tsx";
import { ConversationSettingsButton } from "../features/assistants/ConversationSettingsDialog.tsx";
import { ConversationView } from "../features/chat/ConversationView.tsx";
import { TemporaryBadge } from "../features/memory/TemporaryBadge.tsx";
import { TemporaryChatToggle } from "../features/memory/TemporaryChatToggle.tsx";
import { ConversationToolbar } from "../features/models/ConversationToolbar.tsx";
import { useApplyPreferences } from "../features/settings/preferences.ts";
import { Shell } from "./Shell.tsx";

type User = components["schemas"]["User"];

// Screens visited now and then load when first opened, keeping the chat's first load small.
const SettingsPage = lazy(() =>
  import("../features/settings/SettingsPage.tsx").then((module) => ({ default: module.SettingsPage })),
);
const AssistantsPage = lazy(() =>
  import("../features/assistants/AssistantsPage.tsx").then((module) => ({ default: module.AssistantsPage })),
);
const MemoryPage = lazy(() =>
  import("../features/memory/MemoryPage.tsx").then((module) => ({ default: module.MemoryPage })),
);
const AdminPage = lazy(() =>
  import("../features/admin/AdminPage.tsx").then((module) => ({ default: module.AdminPage })),
);

/** The chat's toolbar: the features' pickers and buttons in one row. */
const TOOLBAR = "flex min-w-0 flex-wrap items-center gap-1";

export function Routes({ user }: { user: User }) {
  useApplyPreferences(user);
  return (
    <Shell user={user}>
      <Suspense fallback={null}>
        <Switch>
          <Route path="/">
            <ConversationView
              conversationId={undefined}
              toolbar={
                <div className={TOOLBAR}>
                  <AssistantPicker />
                  <ConversationToolbar conversationId={undefined} />
                  <TemporaryChatToggle />
                </div>
              }
            />
          </Route>
          <Route path="/c/:id">
            {(params) => (
              <ConversationView
                key={params.id}
                conversationId={params.id}
                toolbar={
                  <div className={TOOLBAR}>
                    <ConversationToolbar conversationId={params.id} />
                    <ConversationSettingsButton conversationId={params.id} />
                    <TemporaryBadge conversationId={params.id} />
                  </div>
                }
              />
            )}
          </Route>
          <Route path="/assistants">
            <AssistantsPage user={user} />
          </Route>
          <Route path="/memory">
            <MemoryPage />
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
