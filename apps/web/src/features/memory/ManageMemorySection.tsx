import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useDeleteAllMemories, useExportMemories } from "./memory-queries.ts";

/** Export the settings and every memory as JSON, or delete every memory after asking. */
export function ManageMemorySection() {
  const { t } = useTranslation("memory");
  const exportAll = useExportMemories();
  const deleteAll = useDeleteAllMemories();
  const [isConfirming, setConfirming] = useState(false);
  return (
    <PageSection title={t("manage.title")} intro={t("manage.intro")}>
      <div className="flex flex-wrap gap-2">
        <Button disabled={exportAll.isPending} onClick={() => exportAll.mutate()}>
          {t("manage.export")}
        </Button>
        <Button variant="destructive" onClick={() => setConfirming(true)}>
          {t("manage.deleteAll")}
        </Button>
      </div>
      {exportAll.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(exportAll.error, t)}
        </p>
      )}
      {deleteAll.isSuccess && (
        <p role="status" className="text-sm text-muted-foreground">
          {t("manage.deleted", { count: deleteAll.data.deleted })}
        </p>
      )}
      <ConfirmDialog
        open={isConfirming}
        onOpenChange={(open) => {
          setConfirming(open);
          if (!open) deleteAll.reset();
        }}
        title={t("manage.confirmTitle")}
        description={t("manage.confirmDescription")}
        confirmLabel={t("manage.confirm")}
        cancelLabel={t("common:cancel")}
        isPending={deleteAll.isPending}
        error={deleteAll.isError ? problemMessage(deleteAll.error, t) : undefined}
        onConfirm={() => deleteAll.mutate(undefined, { onSuccess: () => setConfirming(false) })}
      />
    </PageSection>
  );
}
