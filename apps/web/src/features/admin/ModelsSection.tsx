import { useId } from "react";
import { useTranslation } from "react-i18next";
import { PageSection } from "../../components/ui/page-section.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useLocalModels, useModelPulls } from "./admin-queries.ts";
import { LocalModelItem } from "./LocalModelItem.tsx";
import { ModelPullItem } from "./ModelPullItem.tsx";
import { PullModelForm } from "./PullModelForm.tsx";

/** The built-in engine's models: pull one (following its download live), see the pulls, remove a model. */
export function ModelsSection() {
  const { t } = useTranslation("admin");
  const pulls = useModelPulls();
  const models = useLocalModels();
  const pullsId = useId();
  const localId = useId();
  return (
    <PageSection title={t("models.title")} intro={t("models.intro")}>
      <PullModelForm />
      <div className="flex flex-col gap-2">
        <h3 id={pullsId} className="font-semibold">
          {t("models.pullsTitle")}
        </h3>
        {pulls.isError && (
          <p role="alert" className="text-sm text-destructive">
            {problemMessage(pulls.error, t)}
          </p>
        )}
        {pulls.data?.length === 0 && <p className="text-sm text-muted-foreground">{t("models.noPulls")}</p>}
        {pulls.data !== undefined && pulls.data.length > 0 && (
          <ul aria-labelledby={pullsId} className="flex flex-col divide-y rounded-lg border">
            {pulls.data.map((pull) => (
              <ModelPullItem key={pull.id} pull={pull} />
            ))}
          </ul>
        )}
      </div>
      <div className="flex flex-col gap-2">
        <h3 id={localId} className="font-semibold">
          {t("models.localTitle")}
        </h3>
        {models.isError && (
          <p role="alert" className="text-sm text-destructive">
            {problemMessage(models.error, t)}
          </p>
        )}
        {models.data?.length === 0 && <p className="text-sm text-muted-foreground">{t("models.noLocal")}</p>}
        {models.data !== undefined && models.data.length > 0 && (
          <ul aria-labelledby={localId} className="flex flex-col divide-y rounded-lg border">
            {models.data.map((model) => (
              <LocalModelItem key={model.id} model={model} />
            ))}
          </ul>
        )}
      </div>
    </PageSection>
  );
}
