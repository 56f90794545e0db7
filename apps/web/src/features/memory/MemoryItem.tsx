import type { components } from "@hearth/sdk";
import { Pencil, Trash2 } from "lucide-react";
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { MAX_MEMORY_CHARS, useDeleteMemory, useUpdateMemory } from "./memory-queries.ts";

type Memory = components["schemas"]["Memory"];

/** The id of a memory's row, which a link to `/memory#memory-<id>` scrolls to. */
export const memoryElementId = (id: string) => `memory-${id}`;

/** A saved memory: its text, changed in place (Enter saves, Escape cancels), or deleted. */
export function MemoryItem({ memory }: { memory: Memory }) {
  const { t } = useTranslation("memory");
  const update = useUpdateMemory();
  const remove = useDeleteMemory();
  const [draft, setDraft] = useState<string | undefined>();
  const isEditing = draft !== undefined;
  const field = useRef<HTMLInputElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const hasEdited = useRef(false);
  // Focus moves into the field, and back to the Edit button when it is saved or cancelled.
  useEffect(() => {
    if (isEditing) field.current?.focus();
    else if (hasEdited.current) editButton.current?.focus();
    hasEdited.current ||= isEditing;
  }, [isEditing]);
  const failed = update.isError ? update.error : remove.isError ? remove.error : undefined;

  const cancel = () => {
    setDraft(undefined);
    update.reset();
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    const content = draft?.trim() ?? "";
    if (content === "" || content === memory.content) return cancel();
    update.mutate({ id: memory.id, content }, { onSuccess: () => setDraft(undefined) });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    cancel();
  };

  return (
    <li id={memoryElementId(memory.id)} className="flex flex-col gap-2 p-3">
      {draft === undefined ? (
        <div className="flex flex-wrap items-center justify-between gap-3">
          <span className="min-w-0 flex-1 break-words">{memory.content}</span>
          <span className="flex items-center gap-1">
            <Button
              ref={editButton}
              variant="ghost"
              size="icon"
              aria-label={t("saved.edit", { content: memory.content })}
              onClick={() => setDraft(memory.content)}
            >
              <Pencil aria-hidden="true" className="size-4" />
            </Button>
            <Button
              variant="ghost"
              size="icon"
              aria-label={t("saved.delete", { content: memory.content })}
              disabled={remove.isPending}
              onClick={() => remove.mutate(memory.id)}
            >
              <Trash2 aria-hidden="true" className="size-4" />
            </Button>
          </span>
        </div>
      ) : (
        <form onSubmit={save} className="flex flex-col gap-2 sm:flex-row sm:items-end">
          <TextField
            className="flex-1"
            label={t("saved.editLabel")}
            ref={field}
            maxLength={MAX_MEMORY_CHARS}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <span className="flex gap-1">
            <Button onClick={cancel}>{t("common:cancel")}</Button>
            <Button type="submit" variant="primary" disabled={update.isPending || draft.trim() === ""}>
              {t("common:save")}
            </Button>
          </span>
        </form>
      )}
      {failed !== undefined && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(failed, t)}
        </p>
      )}
    </li>
  );
}
