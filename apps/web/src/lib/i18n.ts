import i18next from "i18next";
import LanguageDetector from "i18next-browser-languagedetector";
import { initReactI18next } from "react-i18next";

/** RustyGPT's four languages; English is the fallback for any string a translation lacks. */
export const LANGUAGES = ["en", "de", "es", "fr"] as const;
export type Language = (typeof LANGUAGES)[number];
const LANGUAGE_STORAGE_KEY = "hearth.language";

// One JSON file per feature (namespace) and language: src/locales/<language>/<namespace>.json.
const files = import.meta.glob<{ default: Record<string, unknown> }>("../locales/*/*.json", { eager: true });
const resources: Record<string, Record<string, Record<string, unknown>>> = {};
for (const [path, module] of Object.entries(files)) {
  const match = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (match === null) continue;
  const [, language = "", namespace = ""] = match;
  resources[language] ??= {};
  resources[language][namespace] = module.default;
}

void i18next
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources,
    fallbackLng: "en",
    supportedLngs: [...LANGUAGES],
    nonExplicitSupportedLngs: true,
    defaultNS: "common",
    ns: Object.keys(resources.en ?? {}),
    interpolation: { escapeValue: false },
    detection: {
      order: ["localStorage", "navigator"],
      lookupLocalStorage: LANGUAGE_STORAGE_KEY,
      caches: ["localStorage"],
    },
    returnNull: false,
  });

i18next.on("languageChanged", (language) => {
  document.documentElement.lang = language;
});
document.documentElement.lang = i18next.resolvedLanguage ?? "en";

/**
 * Switches every screen to `language` at once and remembers it on this device; null goes back to the
 * browser's language (the device forgets its choice, and the browser's is detected again).
 */
export async function setLanguage(language: Language | null): Promise<void> {
  if (language !== null) {
    await i18next.changeLanguage(language);
    return;
  }
  try {
    localStorage.removeItem(LANGUAGE_STORAGE_KEY);
  } catch {
    // Storage refused: nothing was remembered either.
  }
  await i18next.changeLanguage();
}

/** A language's name in that language, as people look for it in a list: "Deutsch", "Español". */
export function languageName(language: Language): string {
  const name = new Intl.DisplayNames([language], { type: "language" }).of(language) ?? language;
  return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
}

/** A date and time in the app's language: "12 Mar 2026, 14:05" in English. */
export function formatDateTime(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** A number in the app's language: "1,000,000" in English, "1.000.000" in German. */
export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}

const BYTE_UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;

/** A size in bytes in the app's language and the largest unit that keeps it at 1 or more: "1.5 MB". */
export function formatBytes(bytes: number, language: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(language, {
    style: "unit",
    unit: BYTE_UNITS[unit],
    unitDisplay: "short",
    maximumFractionDigits: 1,
  }).format(value);
}

/** A duration in the app's language and the largest unit that keeps it at 1 or more: "45 sec", "3 min", "2 hr". */
export function formatDuration(seconds: number, language: string): string {
  const [value, unit] =
    seconds < 60 ? [seconds, "second"] : seconds < 3600 ? [seconds / 60, "minute"] : [seconds / 3600, "hour"];
  return new Intl.NumberFormat(language, {
    style: "unit",
    unit,
    unitDisplay: "short",
    maximumFractionDigits: 0,
  }).format(value);
}
