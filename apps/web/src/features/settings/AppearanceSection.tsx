import type { components } from "@hearth/sdk";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { PageSection } from "../../components/ui/page-section.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { LANGUAGES, type Language, languageName, setLanguage } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { setTheme, THEMES, type Theme, useTheme } from "../../lib/theme.ts";
import { useUpdateMe } from "./preferences.ts";

type User = components["schemas"]["User"];

/** The value of the language select that stands for "the browser's". */
const BROWSER = "";

/** Theme and language: each applies at once, on this device and, saved on the server, on every other. */
export function AppearanceSection({ user }: { user: User }) {
  const { t } = useTranslation("settings");
  const { theme } = useTheme();
  const update = useUpdateMe();
  const [language, setChosenLanguage] = useState<Language | null>(user.language);
  const themeLabelId = useId();

  const chooseTheme = (value: Theme) => {
    setTheme(value);
    update.mutate({ theme: value });
  };
  const chooseLanguage = (value: Language | null) => {
    setChosenLanguage(value);
    void setLanguage(value);
    update.mutate({ language: value });
  };

  return (
    <PageSection title={t("appearance.title")} intro={t("appearance.intro")}>
      <div role="radiogroup" aria-labelledby={themeLabelId} className="flex flex-col gap-2">
        <span id={themeLabelId} className="text-sm font-medium">
          {t("common:theme.label")}
        </span>
        <div className="flex flex-wrap gap-2">
          {THEMES.map((value) => (
            <label
              key={value}
              className="flex h-10 cursor-pointer items-center gap-2 rounded-md border border-input px-3 text-sm has-checked:border-ring has-checked:bg-accent pointer-coarse:h-11"
            >
              <input
                type="radio"
                name="theme"
                value={value}
                checked={theme === value}
                onChange={() => chooseTheme(value)}
                className="size-4 accent-current"
              />
              {t(`common:theme.${value}`)}
            </label>
          ))}
        </div>
      </div>
      <SelectField
        className="max-w-md"
        label={t("appearance.language")}
        hint={t("appearance.languageHint")}
        value={language ?? BROWSER}
        onChange={(event) => chooseLanguage(event.target.value === BROWSER ? null : (event.target.value as Language))}
      >
        <option value={BROWSER}>{t("appearance.browserLanguage")}</option>
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {languageName(code)}
          </option>
        ))}
      </SelectField>
      <p role="status" className="text-sm text-muted-foreground">
        {update.isSuccess ? t("saved") : ""}
      </p>
      {update.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(update.error, t)}
        </p>
      )}
    </PageSection>
  );
}
