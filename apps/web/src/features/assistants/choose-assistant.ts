import type { components } from "@hearth/sdk";
import { updateNewChatSettings } from "../../lib/new-chat-settings.ts";

type Assistant = components["schemas"]["Assistant"];

/**
 * Makes the next new chat start from `assistant` (null: from none): its model and tools show in the
 * chat's pickers, where they can still be changed; the server copies its system prompt and sampling.
 * Of its tools, only those the server still has (`registered`, once known) are taken: a plugin may
 * have gone since, and a new chat asking for it would be refused.
 */
export function chooseAssistant(assistant: Assistant | null, registered: readonly string[] | undefined): void {
  if (assistant === null) {
    updateNewChatSettings({ assistantId: null, tools: [] });
    return;
  }
  updateNewChatSettings({
    assistantId: assistant.id,
    tools: registered === undefined ? assistant.tools : assistant.tools.filter((name) => registered.includes(name)),
    ...(assistant.model === null ? {} : { model: assistant.model }),
  });
}
