import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { updateNewChatSettings, useNewChatSettings } from "../../lib/new-chat-settings.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { ModelPicker } from "./ModelPicker.tsx";
import { useConversation, useModels, useTools, useUpdateConversation } from "./model-queries.ts";
import { ToolsMenu } from "./ToolsMenu.tsx";

/**
 * The model and tools of the open conversation (saved on it at once), or of the next new chat
 * (kept until its first message creates it).
 */
export function ConversationToolbar({ conversationId }: { conversationId: string | undefined }) {
  return conversationId === undefined ? <NewChatToolbar /> : <SavedToolbar conversationId={conversationId} />;
}

function NewChatToolbar() {
  const models = useModels();
  const tools = useTools();
  const settings = useNewChatSettings();
  return (
    <Bar>
      <ModelPicker
        models={models.data?.data ?? []}
        providers={models.data?.providers ?? []}
        value={settings.model}
        onChange={(model) => updateNewChatSettings({ model })}
      />
      <ToolsMenu
        tools={tools.data ?? []}
        enabled={settings.tools}
        onChange={(enabled) => updateNewChatSettings({ tools: enabled })}
      />
    </Bar>
  );
}

function SavedToolbar({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation("models");
  const models = useModels();
  const tools = useTools();
  const conversation = useConversation(conversationId);
  const update = useUpdateConversation(conversationId);
  const data = conversation.data;
  return (
    <Bar>
      <ModelPicker
        models={models.data?.data ?? []}
        providers={models.data?.providers ?? []}
        value={data?.model ?? null}
        disabled={data === undefined}
        onChange={(model) => {
          update.mutate({ model });
          updateNewChatSettings({ model });
        }}
      />
      <ToolsMenu
        tools={tools.data ?? []}
        enabled={data?.tools ?? []}
        disabled={data === undefined}
        onChange={(enabled) => update.mutate({ tools: enabled })}
      />
      {update.error !== null && (
        <p role="alert" className="text-sm text-destructive">
          {t("saveFailed", { reason: problemMessage(update.error, t) })}
        </p>
      )}
    </Bar>
  );
}

function Bar({ children }: { children: ReactNode }) {
  return <div className="flex min-w-0 flex-wrap items-center gap-1">{children}</div>;
}
