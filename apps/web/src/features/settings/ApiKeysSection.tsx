import type { components } from "@hearth/sdk";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { formatDateTime } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useApiKeys, useCreateApiKey, useRevokeApiKey } from "./api-key-queries.ts";
import { NewApiKeyDialog } from "./NewApiKeyDialog.tsx";

type ApiKey = components["schemas"]["ApiKey"];
type CreatedApiKey = components["schemas"]["CreatedApiKey"];

/** The user's API keys: create one (its secret shown once), see when each was used, revoke one. */
export function ApiKeysSection() {
  const { t } = useTranslation("settings");
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | undefined>();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(name.trim(), {
      onSuccess: (key) => {
        setName("");
        setCreated(key);
      },
    });
  };
  const confirmRevoke = () => {
    if (revoking === undefined) return;
    revoke.mutate(revoking, { onSuccess: () => setRevoking(undefined) });
  };

  return (
    <PageSection title={t("apiKeys.title")} intro={t("apiKeys.intro")}>
      <form onSubmit={submit} className="flex max-w-md flex-col gap-3 sm:flex-row sm:items-end">
        <TextField
          className="flex-1"
          label={t("apiKeys.name")}
          hint={t("apiKeys.nameHint")}
          required
          maxLength={100}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <Button type="submit" variant="primary" disabled={create.isPending || name.trim() === ""}>
          {t("apiKeys.create")}
        </Button>
      </form>
      {create.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(create.error, t)}
        </p>
      )}
      {keys.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(keys.error, t)}
        </p>
      )}
      {keys.data?.length === 0 && <p className="text-sm text-muted-foreground">{t("apiKeys.empty")}</p>}
      {keys.data !== undefined && keys.data.length > 0 && (
        <ul aria-label={t("apiKeys.listLabel")} className="flex flex-col divide-y rounded-lg border">
          {keys.data.map((key) => (
            <ApiKeyItem key={key.id} apiKey={key} onRevoke={() => setRevoking(key)} />
          ))}
        </ul>
      )}
      <NewApiKeyDialog apiKey={created} onClose={() => setCreated(undefined)} />
      <ConfirmDialog
        open={revoking !== undefined}
        onOpenChange={(open) => {
          if (!open) {
            setRevoking(undefined);
            revoke.reset();
          }
        }}
        title={t("apiKeys.revokeTitle", { name: revoking?.name ?? "" })}
        description={t("apiKeys.revokeDescription")}
        confirmLabel={t("apiKeys.revoke")}
        cancelLabel={t("common:cancel")}
        isPending={revoke.isPending}
        error={revoke.isError ? problemMessage(revoke.error, t) : undefined}
        onConfirm={confirmRevoke}
      />
    </PageSection>
  );
}

function ApiKeyItem({ apiKey, onRevoke }: { apiKey: ApiKey; onRevoke: () => void }) {
  const { t, i18n } = useTranslation("settings");
  return (
    <li className="flex flex-wrap items-center justify-between gap-3 p-3">
      <div className="flex min-w-0 flex-col gap-1">
        <span className="font-medium break-words">{apiKey.name}</span>
        <span className="text-sm text-muted-foreground">
          <code className="font-mono">{apiKey.prefix}…</code>
          {" · "}
          {t("apiKeys.created", { date: formatDateTime(apiKey.createdAt, i18n.language) })}
          {" · "}
          {apiKey.lastUsedAt === null
            ? t("apiKeys.neverUsed")
            : t("apiKeys.lastUsed", { date: formatDateTime(apiKey.lastUsedAt, i18n.language) })}
        </span>
      </div>
      <Button variant="secondary" onClick={onRevoke}>
        {t("apiKeys.revoke")}
        <span className="sr-only"> {apiKey.name}</span>
      </Button>
    </li>
  );
}
