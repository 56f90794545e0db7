import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { AddProviderDialog } from "./AddProviderDialog.tsx";
import { useProviders } from "./admin-queries.ts";
import { ProviderItem } from "./ProviderItem.tsx";

/** The model providers besides the built-in engine: add one, test its connection, remove it. */
export function ProvidersSection() {
  const { t } = useTranslation("admin");
  const providers = useProviders();
  const [isAdding, setAdding] = useState(false);
  return (
    <PageSection
      title={t("providers.title")}
      intro={t("providers.intro")}
      action={
        <Button variant="primary" onClick={() => setAdding(true)}>
          {t("providers.add")}
        </Button>
      }
    >
      {providers.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(providers.error, t)}
        </p>
      )}
      {providers.data?.length === 0 && <p className="text-sm text-muted-foreground">{t("providers.empty")}</p>}
      {providers.data !== undefined && providers.data.length > 0 && (
        <ul aria-label={t("providers.listLabel")} className="flex flex-col divide-y rounded-lg border">
          {providers.data.map((provider) => (
            <ProviderItem key={provider.id} provider={provider} />
          ))}
        </ul>
      )}
      <AddProviderDialog open={isAdding} onOpenChange={setAdding} />
    </PageSection>
  );
}
