import { WifiOff } from "lucide-react";
import { useTranslation } from "react-i18next";
import { useOnline } from "../lib/use-online.ts";

/** Says the app is offline, while it is (a status region, so screen readers hear it once). */
export function OfflineBanner() {
  const { t } = useTranslation();
  const isOnline = useOnline();
  return (
    <div role="status">
      {!isOnline && (
        <p className="flex items-center justify-center gap-2 bg-muted px-3 py-2 text-sm text-foreground">
          <WifiOff aria-hidden="true" className="size-4" />
          {t("offline")}
        </p>
      )}
    </div>
  );
}
