import type { components } from "@hearth/sdk";
import type { TFunction } from "i18next";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { PageSection } from "../../components/ui/page-section.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useLocalModels, useModelPulls } from "./admin-queries.ts";
import { LocalModelItem } from "./LocalModelItem.tsx";
import { ModelPullItem } from "./ModelPullItem.tsx";
import { PullModelForm } from "./PullModelForm.tsx";

type LocalEngine = components["schemas"]["LocalEngine"];

/** Whether this node's llama.cpp runs, and on what: its build, threads and GPU. */
function engineLine(engine: LocalEngine, t: TFunction<"admin">): string {
  if (!engine.isRunning) return t("models.engine.stopped");
  const gpu =
    engine.gpu === false || engine.gpu === null
      ? t("models.engine.cpuOnly")
      : t("models.engine.gpu", { gpu: engine.gpu, devices: engine.gpuDevices.join(", ") || engine.gpu });
  return t("models.engine.running", { build: engine.buildType ?? "", threads: engine.threads ?? 0, gpu });
}

/**
 * The built-in engine's models on this node: pull one (following its download live), see the pulls,
 * see how llama.cpp holds each model, load, unload, set and remove one.
 */
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
        {models.data !== undefined && (
          <p className="text-sm text-muted-foreground">{engineLine(models.data.engine, t)}</p>
        )}
        {models.data?.data.length === 0 && <p className="text-sm text-muted-foreground">{t("models.noLocal")}</p>}
        {models.data !== undefined && models.data.data.length > 0 && (
          <ul aria-labelledby={localId} className="flex flex-col divide-y rounded-lg border">
            {models.data.data.map((model) => (
              <LocalModelItem key={model.id} model={model} />
            ))}
          </ul>
        )}
      </div>
    </PageSection>
  );
}
