import { useTranslation } from "react-i18next";
import { useUpdateMe } from "../features/settings/preferences.ts";
import { setTheme, THEMES, type Theme, useTheme } from "../lib/theme.ts";

/**
 * Light, dark or the system's, as a labelled select ("Theme"): applied at once, and saved on the
 * server for the user's other devices.
 */
export function ThemeSelect() {
  const { t } = useTranslation();
  const { theme } = useTheme();
  const update = useUpdateMe();
  const choose = (value: Theme) => {
    setTheme(value);
    update.mutate({ theme: value });
  };
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">{t("theme.label")}</span>
      <select
        aria-label={t("theme.label")}
        value={theme}
        onChange={(event) => choose(event.target.value as Theme)}
        className="h-9 rounded-md border border-input bg-background px-2 text-foreground pointer-coarse:h-11"
      >
        {THEMES.map((value) => (
          <option key={value} value={value}>
            {t(`theme.${value}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
