import { createContext, useContext } from "react";

/** What a message's buttons do; the functions stay the same for the conversation's life, so rows need not re-render. */
export interface ChatActions {
  regenerate(messageId: string): void;
  startEdit(messageId: string): void;
  cancelEdit(): void;
  saveEdit(messageId: string, content: string): Promise<void>;
  /** Switches to a sibling's branch. */
  activate(messageId: string): void;
  copy(text: string): Promise<boolean>;
}

export interface ChatContextValue {
  conversationId: string;
  actions: ChatActions;
}

export const ChatContext = createContext<ChatContextValue | null>(null);

export function useChat(): ChatContextValue {
  const value = useContext(ChatContext);
  if (value === null) throw new Error("useChat outside a conversation");
  return value;
}
