import type { components } from "@hearth/sdk";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useUsers } from "./admin-queries.ts";
import { CreateUserDialog } from "./CreateUserDialog.tsx";
import { UserItem } from "./UserItem.tsx";

type User = components["schemas"]["User"];

/** Every account: create one, change a role, disable or enable, see limits and usage. */
export function UsersSection({ me }: { me: User }) {
  const { t } = useTranslation("admin");
  const pages = useUsers();
  const [isCreating, setCreating] = useState(false);
  const users = pages.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <PageSection
      title={t("users.title")}
      intro={t("users.intro")}
      action={
        <Button variant="primary" onClick={() => setCreating(true)}>
          {t("users.create")}
        </Button>
      }
    >
      {pages.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(pages.error, t)}
        </p>
      )}
      {users.length > 0 && (
        <ul aria-label={t("users.listLabel")} className="flex flex-col divide-y rounded-lg border">
          {users.map((user) => (
            <UserItem key={user.id} user={user} isMe={user.id === me.id} />
          ))}
        </ul>
      )}
      {pages.hasNextPage && (
        <Button className="self-start" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          {t("users.more")}
        </Button>
      )}
      <CreateUserDialog open={isCreating} onOpenChange={setCreating} />
    </PageSection>
  );
}
