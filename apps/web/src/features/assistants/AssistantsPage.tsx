import type { components } from "@hearth/sdk";
import { MessageSquarePlus, Pencil, Trash2, Users } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useTools } from "../models/model-queries.ts";
import { AssistantDialog } from "./AssistantDialog.tsx";
import { useAssistants, useDeleteAssistant } from "./assistant-queries.ts";
import { chooseAssistant } from "./choose-assistant.ts";

type Assistant = components["schemas"]["Assistant"];
type User = components["schemas"]["User"];

/** The user's assistants and the shared ones: start a chat from one, make, change or delete them. */
export function AssistantsPage({ user }: { user: User }) {
  const { t } = useTranslation("assistants");
  const [, navigate] = useLocation();
  const assistants = useAssistants();
  const remove = useDeleteAssistant();
  const registered = useTools().data?.map((tool) => tool.name);
  /** The dialog: closed, a new assistant (null), or the one being changed. */
  const [editing, setEditing] = useState<Assistant | null | undefined>();
  const [deleting, setDeleting] = useState<Assistant | undefined>();
  const all = assistants.data ?? [];
  const groups = [
    { title: t("page.yours"), intro: t("page.yoursIntro"), items: all.filter((each) => !each.isShared) },
    { title: t("page.shared"), intro: t("page.sharedIntro"), items: all.filter((each) => each.isShared) },
  ];
  const startChat = (assistant: Assistant) => {
    chooseAssistant(assistant, registered);
    navigate("/");
  };

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto flex max-w-4xl flex-col gap-6 p-4 md:p-8">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="flex flex-col gap-1">
            <h1 className="text-2xl font-semibold">{t("page.title")}</h1>
            <p className="text-sm text-muted-foreground">{t("page.intro")}</p>
          </div>
          <Button variant="primary" onClick={() => setEditing(null)}>
            {t("page.create")}
          </Button>
        </div>
        {assistants.isError && (
          <p role="alert" className="text-sm text-destructive">
            {problemMessage(assistants.error, t)}
          </p>
        )}
        {groups.map((group) => (
          <PageSection key={group.title} title={group.title} intro={group.intro}>
            {assistants.data !== undefined && group.items.length === 0 && (
              <p className="text-sm text-muted-foreground">{t("page.empty")}</p>
            )}
            {group.items.length > 0 && (
              <ul aria-label={group.title} className="flex flex-col divide-y rounded-lg border">
                {group.items.map((assistant) => (
                  <AssistantItem
                    key={assistant.id}
                    assistant={assistant}
                    onStartChat={() => startChat(assistant)}
                    onEdit={() => setEditing(assistant)}
                    onDelete={() => setDeleting(assistant)}
                  />
                ))}
              </ul>
            )}
          </PageSection>
        ))}
      </div>
      <AssistantDialog
        assistant={editing ?? undefined}
        open={editing !== undefined}
        onOpenChange={(open) => {
          if (!open) setEditing(undefined);
        }}
        isAdmin={user.role === "admin"}
      />
      <ConfirmDialog
        open={deleting !== undefined}
        onOpenChange={(open) => {
          if (open) return;
          setDeleting(undefined);
          remove.reset();
        }}
        title={t("delete.title", { name: deleting?.name ?? "" })}
        description={t(deleting?.isShared ? "delete.sharedDescription" : "delete.description")}
        confirmLabel={t("delete.confirm")}
        cancelLabel={t("common:cancel")}
        isPending={remove.isPending}
        error={remove.isError ? problemMessage(remove.error, t) : undefined}
        onConfirm={() => {
          if (deleting !== undefined) remove.mutate(deleting.id, { onSuccess: () => setDeleting(undefined) });
        }}
      />
    </div>
  );
}

interface AssistantItemProps {
  assistant: Assistant;
  onStartChat: () => void;
  onEdit: () => void;
  onDelete: () => void;
}

function AssistantItem({ assistant, onStartChat, onEdit, onDelete }: AssistantItemProps) {
  const { t } = useTranslation("assistants");
  const { name } = assistant;
  return (
    <li className="flex flex-wrap items-center justify-between gap-3 p-3">
      <div className="flex min-w-0 flex-col gap-0.5">
        <span className="flex items-center gap-2 font-medium">
          <span className="truncate">{name}</span>
          {assistant.isShared && (
            <span className="inline-flex items-center gap-1 rounded-full border px-2 text-xs text-muted-foreground">
              <Users aria-hidden="true" className="size-3" />
              {t("page.sharedBadge")}
            </span>
          )}
        </span>
        {assistant.description !== null && (
          <span className="text-sm text-muted-foreground">{assistant.description}</span>
        )}
        <span className="text-xs text-muted-foreground">
          {assistant.model ?? t("editor.defaultModel")}
          {assistant.tools.length > 0 && ` · ${t("page.tools", { count: assistant.tools.length })}`}
        </span>
      </div>
      <span className="flex items-center gap-1">
        <Button onClick={onStartChat} aria-label={t("page.startChatWith", { name })}>
          <MessageSquarePlus aria-hidden="true" className="size-4" />
          <span aria-hidden="true">{t("page.startChat")}</span>
        </Button>
        {assistant.canEdit && (
          <>
            <Button variant="ghost" size="icon" aria-label={t("page.edit", { name })} onClick={onEdit}>
              <Pencil aria-hidden="true" className="size-4" />
            </Button>
            <Button variant="ghost" size="icon" aria-label={t("page.delete", { name })} onClick={onDelete}>
              <Trash2 aria-hidden="true" className="size-4" />
            </Button>
          </>
        )}
      </span>
    </li>
  );
}
