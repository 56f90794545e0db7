import { useTranslation } from "react-i18next";
import { PageSection } from "../../components/ui/page-section.tsx";
import { SwitchField } from "../../components/ui/switch-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useMemorySettings, useUpdateMemorySettings } from "./memory-queries.ts";

/** Memory on or off, automatic saving of what the model proposes, and recall from past conversations. */
export function MemorySettingsSection() {
  const { t } = useTranslation("memory");
  const settings = useMemorySettings();
  const update = useUpdateMemorySettings();
  const data = settings.data;
  const isDisabled = data === undefined || update.isPending;
  return (
    <PageSection title={t("settings.title")}>
      {settings.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(settings.error, t)}
        </p>
      )}
      <div className="flex flex-col gap-4">
        <SwitchField
          label={t("settings.enabled")}
          hint={t("settings.enabledHint")}
          checked={data?.enabled ?? false}
          disabled={isDisabled}
          onChange={(enabled) => update.mutate({ enabled })}
        />
        <SwitchField
          label={t("settings.autoSave")}
          hint={t("settings.autoSaveHint")}
          checked={data?.autoSave ?? false}
          disabled={isDisabled}
          onChange={(autoSave) => update.mutate({ autoSave })}
        />
        <SwitchField
          label={t("settings.recallHistory")}
          hint={t("settings.recallHistoryHint")}
          checked={data?.recallHistory ?? false}
          disabled={isDisabled}
          onChange={(recallHistory) => update.mutate({ recallHistory })}
        />
      </div>
      {update.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(update.error, t)}
        </p>
      )}
    </PageSection>
  );
}
