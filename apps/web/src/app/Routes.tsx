import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { Route, Switch } from "wouter";
import { ConversationView } from "../features/chat/ConversationView.tsx";
import { Shell } from "./Shell.tsx";

type User = components["schemas"]["User"];

export function Routes({ user }: { user: User }) {
  const { t } = useTranslation();
  return (
    <Shell user={user}>
      <Switch>
        <Route path="/">
          <ConversationView conversationId={undefined} />
        </Route>
        <Route path="/c/:id">{(params) => <ConversationView key={params.id} conversationId={params.id} />}</Route>
        <Route>
          <div className="flex h-full items-center justify-center p-4">
            <h1 className="text-lg">{t("errors.notFound")}</h1>
          </div>
        </Route>
      </Switch>
    </Shell>
  );
}
