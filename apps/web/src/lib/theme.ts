import { useSyncExternalStore } from "react";

export const THEMES = ["light", "dark", "system"] as const;
export type Theme = (typeof THEMES)[number];
// public/theme-init.js reads the same key before the first paint.
const STORAGE_KEY = "hearth.theme";
const systemDark = window.matchMedia("(prefers-color-scheme: dark)");
const listeners = new Set<() => void>();

function storedTheme(): Theme {
  let value: string | null = null;
  try {
    value = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be refused (private modes); the system's theme then applies.
  }
  return (THEMES as readonly string[]).includes(value ?? "") ? (value as Theme) : "system";
}

function apply(theme: Theme): void {
  const isDark = theme === "dark" || (theme === "system" && systemDark.matches);
  document.documentElement.classList.toggle("dark", isDark);
  for (const listener of listeners) listener();
}

/** Applies a theme and remembers it on this device (the signed-in user's choice is also saved on the server). */
export function setTheme(theme: Theme): void {
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Not remembered on this device; applied all the same.
  }
  apply(theme);
}

systemDark.addEventListener("change", () => apply(storedTheme()));

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The chosen theme, and whether the page is dark now. */
export function useTheme(): { theme: Theme; isDark: boolean } {
  const theme = useSyncExternalStore(subscribe, storedTheme);
  const isDark = useSyncExternalStore(subscribe, () => document.documentElement.classList.contains("dark"));
  return { theme, isDark };
}
