import { Button } from "./button.tsx";
import { Dialog, DialogClose } from "./dialog.tsx";

export interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: string;
  /** The confirming button's label, naming the action ("Revoke"), never "OK". */
  confirmLabel: string;
  cancelLabel: string;
  isPending?: boolean;
  /** Shown in the dialog when the action failed, so the person can try again or cancel. */
  error?: string | undefined;
  onConfirm: () => void;
}

/** Asks before a destructive action; Cancel (and Escape) leave everything as it was. */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  cancelLabel,
  isPending = false,
  error,
  onConfirm,
}: ConfirmDialogProps) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title} description={description}>
      {error !== undefined && (
        <p role="alert" className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive">
          {error}
        </p>
      )}
      <div className="flex flex-wrap justify-end gap-2">
        <DialogClose asChild>
          <Button>{cancelLabel}</Button>
        </DialogClose>
        <Button variant="destructive" disabled={isPending} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
