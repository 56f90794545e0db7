import type { components } from "@hearth/sdk";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { formatBytes } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useLoadLocalModel, useRemoveLocalModel } from "./admin-queries.ts";

type Model = components["schemas"]["Model"];

/** One of the built-in engine's models: its size, whether it is in memory, and removal (refused while in use). */
export function LocalModelItem({ model }: { model: Model }) {
  const { t, i18n } = useTranslation("admin");
  const remove = useRemoveLocalModel();
  const load = useLoadLocalModel();
  const action = model.isLoaded === true ? "unload" : "load";
  const [isConfirmingRemove, setConfirmingRemove] = useState(false);
  const facts = [
    ...(model.sizeBytes === undefined ? [] : [formatBytes(model.sizeBytes, i18n.language)]),
    ...(model.isLoaded === true ? [t("models.loaded")] : []),
    ...(model.isAvailable ? [] : [t("models.unavailable", { reason: model.unavailableReason ?? "" })]),
  ];
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 p-3">
      <div className="flex min-w-0 flex-col gap-1">
        <h4 className="font-medium break-words">{model.modelId}</h4>
        {facts.length > 0 && <span className="text-sm text-muted-foreground">{facts.join(" · ")}</span>}
      </div>
      <div className="flex flex-col items-end gap-1">
        <div className="flex gap-2">
          <Button variant="outline" disabled={load.isPending} onClick={() => load.mutate({ id: model.id, action })}>
            {t(action === "load" ? "models.load" : "models.unload")}
            <span className="sr-only"> {model.modelId}</span>
          </Button>
          <Button onClick={() => setConfirmingRemove(true)}>
            {t("models.remove")}
            <span className="sr-only"> {model.modelId}</span>
          </Button>
        </div>
        {load.isError && (
          <p role="alert" className="text-sm text-destructive">
            {problemMessage(load.error, t)}
          </p>
        )}
      </div>
      <ConfirmDialog
        open={isConfirmingRemove}
        onOpenChange={(open) => {
          setConfirmingRemove(open);
          if (!open) remove.reset();
        }}
        title={t("models.removeTitle", { id: model.modelId })}
        description={t("models.removeDescription")}
        confirmLabel={t("models.remove")}
        cancelLabel={t("common:cancel")}
        isPending={remove.isPending}
        error={remove.isError ? problemMessage(remove.error, t) : undefined}
        onConfirm={() => remove.mutate(model.id, { onSuccess: () => setConfirmingRemove(false) })}
      />
    </li>
  );
}
