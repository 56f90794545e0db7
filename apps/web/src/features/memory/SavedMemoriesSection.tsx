import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { MemoryItem, memoryElementId } from "./MemoryItem.tsx";
import { MAX_MEMORY_CHARS, useAddMemory, useMemoryPages } from "./memory-queries.ts";

/** The saved memories, newest first: add one, change one in place, delete one. */
export function SavedMemoriesSection() {
  const { t } = useTranslation("memory");
  const pages = useMemoryPages("saved");
  const add = useAddMemory();
  const [content, setContent] = useState("");
  const memories = pages.data?.pages.flatMap((page) => page.data) ?? [];
  const hasLoaded = pages.data !== undefined;
  useScrollToLinkedMemory(hasLoaded);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = content.trim();
    if (text === "") return;
    add.mutate(text, { onSuccess: () => setContent("") });
  };

  return (
    <PageSection title={t("saved.title")} intro={t("saved.intro")}>
      <form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <TextField
          className="flex-1"
          label={t("saved.add")}
          hint={t("saved.addHint")}
          maxLength={MAX_MEMORY_CHARS}
          value={content}
          onChange={(event) => setContent(event.target.value)}
        />
        <Button type="submit" variant="primary" disabled={add.isPending || content.trim() === ""}>
          {t("saved.addButton")}
        </Button>
      </form>
      {add.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(add.error, t)}
        </p>
      )}
      {pages.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(pages.error, t)}
        </p>
      )}
      {hasLoaded && memories.length === 0 && <p className="text-sm text-muted-foreground">{t("saved.empty")}</p>}
      {memories.length > 0 && (
        <ul aria-label={t("saved.title")} className="flex flex-col divide-y rounded-lg border">
          {memories.map((memory) => (
            <MemoryItem key={memory.id} memory={memory} />
          ))}
        </ul>
      )}
      {pages.hasNextPage && (
        <Button className="self-start" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          {t("list.more")}
        </Button>
      )}
    </PageSection>
  );
}

/** A link to one memory (`/memory#memory-<id>`, from a reply's "Used:") scrolls to it once the list is there. */
function useScrollToLinkedMemory(hasLoaded: boolean) {
  useEffect(() => {
    if (!hasLoaded || !location.hash.startsWith("#")) return;
    const element = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (element?.id.startsWith(memoryElementId(""))) element.scrollIntoView({ block: "center" });
  }, [hasLoaded]);
}
