import type { components } from "@hearth/sdk";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { formatBytes } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useLoadLocalModel, useRemoveLocalModel } from "./admin-queries.ts";
import { ModelSettingsDialog } from "./ModelSettingsDialog.tsx";

type LocalModelState = components["schemas"]["LocalModelState"];

/**
 * One of this node's local models: its size, whether llama.cpp holds it and how (context, GPU
 * layers, chat format, calls using it, when it unloads), load and unload, its settings, and removal
 * (refused while in use).
 */
export function LocalModelItem({ model }: { model: LocalModelState }) {
  const { t, i18n } = useTranslation("admin");
  const remove = useRemoveLocalModel();
  const load = useLoadLocalModel();
  const name = model.id.replace(/^local\//, "");
  const action = model.state === "not-loaded" ? "load" : "unload";
  const [isConfirmingRemove, setConfirmingRemove] = useState(false);
  const [isEditing, setEditing] = useState(false);
  const time = (iso: string) => new Date(iso).toLocaleTimeString(i18n.language);
  const facts = [
    ...(model.sizeBytes === null ? [] : [formatBytes(model.sizeBytes, i18n.language)]),
    t(`models.state.${model.state}`),
    ...(model.state === "loaded"
      ? [
          t("models.contextTokens", { count: model.contextSize ?? 0 }),
          t("models.gpuLayersLoaded", { count: model.gpuLayers ?? 0 }),
          ...(model.chatFormat === null ? [] : [model.chatFormat]),
          ...(model.busy > 0 ? [t("models.busy", { count: model.busy })] : []),
        ]
      : []),
    ...(model.isStale ? [t("models.stale")] : []),
    ...(model.unloadsAt === null ? [] : [t("models.unloadsAt", { time: time(model.unloadsAt) })]),
  ];
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 p-3">
      <div className="flex min-w-0 flex-col gap-1">
        <h4 className="font-medium break-words">{name}</h4>
        <span className="text-sm text-muted-foreground">{facts.join(" · ")}</span>
      </div>
      <div className="flex flex-col items-end gap-1">
        <div className="flex flex-wrap justify-end gap-2">
          <Button
            variant="outline"
            disabled={load.isPending || model.state === "loading"}
            onClick={() => load.mutate({ id: model.id, action })}
          >
            {t(action === "load" ? "models.load" : "models.unload")}
            <span className="sr-only"> {name}</span>
          </Button>
          <Button onClick={() => setEditing(true)}>
            {t("models.settings.open")}
            <span className="sr-only"> {name}</span>
          </Button>
          <Button onClick={() => setConfirmingRemove(true)}>
            {t("models.remove")}
            <span className="sr-only"> {name}</span>
          </Button>
        </div>
        {load.isError && (
          <p role="alert" className="text-sm text-destructive">
            {problemMessage(load.error, t)}
          </p>
        )}
      </div>
      <ModelSettingsDialog
        modelId={model.id}
        name={name}
        settings={model.settings}
        open={isEditing}
        onOpenChange={setEditing}
      />
      <ConfirmDialog
        open={isConfirmingRemove}
        onOpenChange={(open) => {
          setConfirmingRemove(open);
          if (!open) remove.reset();
        }}
        title={t("models.removeTitle", { id: name })}
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
