import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { formatBytes, formatDuration } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { isPullRunning, useCancelModelPull, useFollowModelPull } from "./admin-queries.ts";

type ModelPull = components["schemas"]["ModelPull"];

/** One pull: its progress, live while it runs (with its rate and time left), and how it ended. */
export function ModelPullItem({ pull }: { pull: ModelPull }) {
  const { t, i18n } = useTranslation("admin");
  const cancel = useCancelModelPull();
  useFollowModelPull(pull);
  const isRunning = isPullRunning(pull);
  const bytes = (value: number) => formatBytes(value, i18n.language);
  const facts =
    pull.status === "done"
      ? [bytes(pull.totalBytes), pull.modelId]
      : [t("models.bytesOf", { done: bytes(pull.downloadedBytes), total: bytes(pull.totalBytes) })];
  if (pull.status === "downloading" && pull.bytesPerSecond > 0) {
    facts.push(t("models.rate", { size: bytes(pull.bytesPerSecond) }));
  }
  if (pull.status === "downloading" && pull.etaSeconds !== null) {
    facts.push(t("models.eta", { time: formatDuration(pull.etaSeconds, i18n.language) }));
  }
  const hasTotal = pull.totalBytes > 0;
  return (
    <li className="flex flex-col gap-2 p-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1">
          <h4 className="font-medium break-words">{pull.fileName}</h4>
          <span className="text-sm break-all text-muted-foreground">{pull.source}</span>
          <span className="text-sm text-muted-foreground">
            {/* Read out when it changes: the pull is verified, done, failed or cancelled. */}
            <span role="status">{t(`models.status.${pull.status}`)}</span>
            {facts.map((fact) => ` · ${fact}`).join("")}
          </span>
        </div>
        {isRunning && (
          <Button disabled={cancel.isPending} onClick={() => cancel.mutate(pull.id)}>
            {t("models.cancelPull")}
            <span className="sr-only"> {pull.fileName}</span>
          </Button>
        )}
      </div>
      {isRunning && (
        // Without a known size it is indeterminate (no value).
        <progress
          aria-label={t("models.progress", { name: pull.fileName })}
          max={hasTotal ? pull.totalBytes : undefined}
          value={hasTotal ? pull.downloadedBytes : undefined}
          className="h-2 w-full appearance-none overflow-hidden rounded-full bg-muted [&::-moz-progress-bar]:bg-primary [&::-webkit-progress-bar]:bg-muted [&::-webkit-progress-value]:bg-primary"
        />
      )}
      {pull.status === "done" && pull.sha256 !== null && (
        <p className="font-mono text-xs break-all text-muted-foreground">
          {t("models.verified", { sha256: pull.sha256 })}
        </p>
      )}
      {pull.error !== null && <p className="text-sm break-words text-destructive">{pull.error}</p>}
      {cancel.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(cancel.error, t)}
        </p>
      )}
    </li>
  );
}
