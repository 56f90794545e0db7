import { useEffect, useRef } from "react";

/**
 * Every keyboard shortcut of the app, in one table: the help dialog lists it, and `useShortcut`
 * binds a handler to an entry. Keys are matched by `event.code` (the physical key), so they work on
 * any keyboard layout; `mod` is ⌘ on macOS and Ctrl elsewhere.
 */
export const SHORTCUTS = {
  newChat: { keys: ["mod", "shift", "KeyO"], inText: true },
  search: { keys: ["mod", "KeyK"], inText: true },
  help: { keys: ["mod", "Slash"], inText: true },
  toggleSidebar: { keys: ["mod", "shift", "KeyS"], inText: true },
  focusComposer: { keys: ["shift", "Escape"], inText: true },
  stop: { keys: ["Escape"], inText: true },
  regenerate: { keys: ["alt", "shift", "KeyR"], inText: true },
  editLast: { keys: ["alt", "shift", "KeyE"], inText: true },
  copyLastReply: { keys: ["alt", "shift", "KeyC"], inText: true },
  copyLastCode: { keys: ["mod", "shift", "Semicolon"], inText: true },
  previousConversation: { keys: ["alt", "ArrowUp"], inText: false },
  nextConversation: { keys: ["alt", "ArrowDown"], inText: false },
} as const satisfies Record<string, { keys: readonly string[]; inText: boolean }>;

export type ShortcutId = keyof typeof SHORTCUTS;

const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

const MODIFIERS = new Set(["mod", "shift", "alt"]);

function matches(id: ShortcutId, event: KeyboardEvent): boolean {
  const { keys } = SHORTCUTS[id];
  const wants = (modifier: string) => (keys as readonly string[]).includes(modifier);
  const mod = isMac ? event.metaKey : event.ctrlKey;
  const other = isMac ? event.ctrlKey : event.metaKey;
  if (mod !== wants("mod") || other || event.shiftKey !== wants("shift") || event.altKey !== wants("alt")) return false;
  return keys.some((key) => !MODIFIERS.has(key) && key === event.code);
}

/** Whether the event comes from somewhere a person types (a shortcut without modifiers would eat their keys). */
function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (target === null) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

type Handler = (event: KeyboardEvent) => boolean | undefined;
const handlers = new Map<ShortcutId, Handler[]>();
let isListening = false;

function onKeyDown(event: KeyboardEvent): void {
  if (event.defaultPrevented || event.isComposing) return;
  for (const [id, list] of handlers) {
    if (list.length === 0 || !matches(id, event)) continue;
    if (!SHORTCUTS[id].inText && isTyping(event)) continue;
    // The handler bound last (the innermost screen) goes first; one that returns false passes it on.
    for (const handler of [...list].reverse()) {
      if (handler(event) !== false) {
        event.preventDefault();
        return;
      }
    }
  }
}

/**
 * Runs `handler` when the shortcut is pressed, while the component is mounted and `enabled`. A
 * handler that returns false did not handle it (the next one bound, or the browser, gets it).
 */
export function useShortcut(id: ShortcutId, handler: Handler, enabled = true): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!enabled) return;
    if (!isListening) {
      window.addEventListener("keydown", onKeyDown);
      isListening = true;
    }
    const bound: Handler = (event) => latest.current(event);
    const list = handlers.get(id) ?? [];
    list.push(bound);
    handlers.set(id, list);
    return () => {
      const current = handlers.get(id) ?? [];
      current.splice(current.indexOf(bound), 1);
    };
  }, [id, enabled]);
}

const KEY_LABELS: Record<string, string> = {
  Slash: "/",
  Semicolon: ";",
  Escape: "Esc",
  ArrowUp: "↑",
  ArrowDown: "↓",
};

/** The keys of a shortcut as a person reads them: ["⌘", "⇧", "O"] on macOS, ["Ctrl", "Shift", "O"] elsewhere. */
export function shortcutKeys(id: ShortcutId): string[] {
  return SHORTCUTS[id].keys.map((key) => {
    if (key === "mod") return isMac ? "⌘" : "Ctrl";
    if (key === "shift") return isMac ? "⇧" : "Shift";
    if (key === "alt") return isMac ? "⌥" : "Alt";
    return KEY_LABELS[key] ?? key.replace(/^Key|^Digit/, "");
  });
}
