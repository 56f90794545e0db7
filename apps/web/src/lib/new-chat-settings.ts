import { useSyncExternalStore } from "react";

/**
 * What a new chat will be created with (the model picker and tools menu set it before the first
 * message creates the conversation). The model is remembered on this device for the next new chat.
 */
export interface NewChatSettings {
  model: string | null;
  tools: string[];
  /** The assistant it starts from: the server copies its system prompt and sampling (model and tools are set here). */
  assistantId: string | null;
  /** A temporary chat: it neither reads nor adds to memory and is never recalled (not remembered on this device). */
  temporary: boolean;
}

const MODEL_KEY = "hearth.newChat.model";
const listeners = new Set<() => void>();
let settings: NewChatSettings = { model: readModel(), tools: [], assistantId: null, temporary: false };

function readModel(): string | null {
  try {
    return localStorage.getItem(MODEL_KEY);
  } catch {
    return null;
  }
}

export function updateNewChatSettings(change: Partial<NewChatSettings>): void {
  settings = { ...settings, ...change };
  try {
    if (settings.model === null) localStorage.removeItem(MODEL_KEY);
    else localStorage.setItem(MODEL_KEY, settings.model);
  } catch {
    // Not remembered on this device; used for this chat all the same.
  }
  for (const listener of listeners) listener();
}

/** The settings for the next new chat, as a body for POST /api/conversations. */
export function newChatBody(): { model?: string; tools?: string[]; assistantId?: string; temporary?: true } {
  return {
    ...(settings.model === null ? {} : { model: settings.model }),
    // With an assistant, its tools were copied here and may have been unticked since: send them even when none.
    ...(settings.tools.length === 0 && settings.assistantId === null ? {} : { tools: settings.tools }),
    ...(settings.assistantId === null ? {} : { assistantId: settings.assistantId }),
    ...(settings.temporary ? { temporary: true as const } : {}),
  };
}

export function useNewChatSettings(): NewChatSettings {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => settings,
  );
}
