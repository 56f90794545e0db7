import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { Dialog, DialogClose } from "../../components/ui/dialog.tsx";
import { SHORTCUTS, type ShortcutId, shortcutKeys } from "../../lib/shortcuts.ts";

const IDS = Object.keys(SHORTCUTS) as ShortcutId[];

/** "Keyboard shortcuts": every shortcut of the table, what it does and its keys on this system. */
export function ShortcutsDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { t } = useTranslation("shortcuts");
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t("title")}>
      <table className="w-full text-sm">
        <thead className="sr-only">
          <tr>
            <th scope="col">{t("action")}</th>
            <th scope="col">{t("keys")}</th>
          </tr>
        </thead>
        <tbody>
          {IDS.map((id) => (
            <tr key={id} className="border-b last:border-b-0">
              <td className="py-2 pr-4">{t(`actions.${id}`)}</td>
              <td className="py-2 text-right whitespace-nowrap">
                {shortcutKeys(id).map((key, index) => (
                  <span key={key}>
                    {index > 0 && (
                      <span aria-hidden="true" className="px-0.5 text-muted-foreground">
                        +
                      </span>
                    )}
                    <kbd className="inline-block min-w-6 rounded border bg-muted px-1.5 py-0.5 text-center font-sans text-xs text-foreground">
                      {key}
                    </kbd>
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="text-sm text-muted-foreground">{t("inText")}</p>
      <div className="flex justify-end">
        <DialogClose asChild>
          <Button>{t("common:close")}</Button>
        </DialogClose>
      </div>
    </Dialog>
  );
}
