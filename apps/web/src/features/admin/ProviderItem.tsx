import type { components } from "@hearth/sdk";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { formatNumber } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useRemoveProvider, useTestConnection } from "./admin-queries.ts";

type Provider = components["schemas"]["Provider"];
type ConnectionTest = components["schemas"]["ConnectionTest"];

/** One provider: what it is, whether it is on, a connection test, and removal (not for the config file's). */
export function ProviderItem({ provider }: { provider: Provider }) {
  const { t } = useTranslation("admin");
  const test = useTestConnection();
  const remove = useRemoveProvider();
  const [isConfirmingRemove, setConfirmingRemove] = useState(false);
  return (
    <li className="flex flex-col gap-3 p-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1">
          <h3 className="font-medium break-words">{provider.id}</h3>
          <span className="text-sm break-all text-muted-foreground">{provider.baseUrl}</span>
          <span className="text-sm text-muted-foreground">
            {t(`providers.kinds.${provider.kind}`)}
            {" · "}
            {provider.enabled ? t("providers.enabled") : t("providers.disabled")}
            {" · "}
            {provider.source === "config" ? t("providers.fromConfig") : t("providers.fromAdmin")}
            {" · "}
            {provider.hasApiKey ? t("providers.hasKey") : t("providers.noKey")}
          </span>
          <span className="text-sm break-words text-muted-foreground">
            {provider.models === null
              ? t("providers.allModels")
              : t("providers.someModels", { models: provider.models.join(", ") })}
          </span>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button disabled={test.isPending} onClick={() => test.mutate(provider.id)}>
            {t("providers.test")}
            <span className="sr-only"> {provider.id}</span>
          </Button>
          {provider.source === "admin" && (
            <Button onClick={() => setConfirmingRemove(true)}>
              {t("providers.remove")}
              <span className="sr-only"> {provider.id}</span>
            </Button>
          )}
        </div>
      </div>
      <p role="status" className="text-sm empty:hidden">
        {test.isPending ? t("providers.testing") : test.data === undefined ? "" : <TestResult result={test.data} />}
      </p>
      {test.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(test.error, t)}
        </p>
      )}
      <ConfirmDialog
        open={isConfirmingRemove}
        onOpenChange={(open) => {
          setConfirmingRemove(open);
          if (!open) remove.reset();
        }}
        title={t("providers.removeTitle", { id: provider.id })}
        description={t("providers.removeDescription")}
        confirmLabel={t("providers.remove")}
        cancelLabel={t("common:cancel")}
        isPending={remove.isPending}
        error={remove.isError ? problemMessage(remove.error, t) : undefined}
        onConfirm={() => remove.mutate(provider.id, { onSuccess: () => setConfirmingRemove(false) })}
      />
    </li>
  );
}

function TestResult({ result }: { result: ConnectionTest }) {
  const { t, i18n } = useTranslation("admin");
  const ms = formatNumber(result.ms, i18n.language);
  if (!result.ok) {
    return <span className="text-destructive">{t("providers.testFailed", { ms, reason: result.reason })}</span>;
  }
  return (
    <span>
      {t("providers.testOk", { ms, count: result.models.length })}
      {result.models.length > 0 && `: ${result.models.join(", ")}`}
    </span>
  );
}
