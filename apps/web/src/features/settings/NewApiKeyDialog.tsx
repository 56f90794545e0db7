import type { components } from "@hearth/sdk";
import { Check, Copy } from "lucide-react";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";

type CreatedApiKey = components["schemas"]["CreatedApiKey"];

/** Shows a new key's secret, the one time the server gives it, with a button to copy it. */
export function NewApiKeyDialog({ apiKey, onClose }: { apiKey: CreatedApiKey | undefined; onClose: () => void }) {
  const { t } = useTranslation("settings");
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");
  const fieldId = useId();
  const close = (open: boolean) => {
    if (open) return;
    setCopyState("idle");
    onClose();
  };
  const copy = async () => {
    if (apiKey === undefined) return;
    try {
      await navigator.clipboard.writeText(apiKey.key);
      setCopyState("copied");
    } catch {
      setCopyState("failed");
    }
  };
  return (
    <Dialog
      open={apiKey !== undefined}
      onOpenChange={close}
      title={t("apiKeys.createdTitle", { name: apiKey?.name ?? "" })}
      description={t("apiKeys.shownOnce")}
    >
      <div className="flex flex-col gap-1.5">
        <label htmlFor={fieldId} className="text-sm font-medium">
          {t("apiKeys.secret")}
        </label>
        <div className="flex gap-2">
          <input
            id={fieldId}
            readOnly
            value={apiKey?.key ?? ""}
            onFocus={(event) => event.currentTarget.select()}
            className="h-10 min-w-0 flex-1 rounded-md border border-input bg-muted px-3 font-mono text-sm text-foreground pointer-coarse:h-11"
          />
          <Button onClick={copy}>
            {copyState === "copied" ? (
              <Check aria-hidden="true" className="size-4" />
            ) : (
              <Copy aria-hidden="true" className="size-4" />
            )}
            {t("apiKeys.copy")}
          </Button>
        </div>
        <p role="status" className="text-sm text-muted-foreground">
          {copyState === "copied" ? t("apiKeys.copied") : copyState === "failed" ? t("apiKeys.copyFailed") : ""}
        </p>
      </div>
      <div className="flex justify-end">
        <DialogClose asChild>
          <Button variant="primary">{t("apiKeys.done")}</Button>
        </DialogClose>
      </div>
    </Dialog>
  );
}
