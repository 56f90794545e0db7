import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { problemMessage } from "../../lib/problem-message.ts";
import { useDeleteMemory, useMemoryPages, useUpdateMemory } from "./memory-queries.ts";

type Memory = components["schemas"]["Memory"];

/** What the model proposed to remember while automatic saving was off: each waits to be saved or dismissed. */
export function ProposalsSection() {
  const { t } = useTranslation("memory");
  const pages = useMemoryPages("proposed");
  const save = useUpdateMemory();
  const dismiss = useDeleteMemory();
  const proposals = pages.data?.pages.flatMap((page) => page.data) ?? [];
  const failed = [pages, save, dismiss].find((each) => each.isError);
  return (
    <PageSection title={t("proposals.title")} intro={t("proposals.intro")}>
      {failed !== undefined && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(failed.error, t)}
        </p>
      )}
      {pages.data !== undefined && proposals.length === 0 && (
        <p className="text-sm text-muted-foreground">{t("proposals.empty")}</p>
      )}
      {proposals.length > 0 && (
        <ul aria-label={t("proposals.title")} className="flex flex-col divide-y rounded-lg border">
          {proposals.map((proposal) => (
            <ProposalItem
              key={proposal.id}
              proposal={proposal}
              isBusy={save.isPending || dismiss.isPending}
              onSave={() => save.mutate({ id: proposal.id, status: "saved" })}
              onDismiss={() => dismiss.mutate(proposal.id)}
            />
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

interface ProposalItemProps {
  proposal: Memory;
  isBusy: boolean;
  onSave: () => void;
  onDismiss: () => void;
}

function ProposalItem({ proposal, isBusy, onSave, onDismiss }: ProposalItemProps) {
  const { t } = useTranslation("memory");
  return (
    <li className="flex flex-wrap items-center justify-between gap-3 p-3">
      <span className="min-w-0 flex-1 break-words">{proposal.content}</span>
      <span className="flex items-center gap-1">
        <Button
          variant="primary"
          aria-label={t("proposals.saveNamed", { content: proposal.content })}
          disabled={isBusy}
          onClick={onSave}
        >
          {t("proposals.save")}
        </Button>
        <Button
          aria-label={t("proposals.dismissNamed", { content: proposal.content })}
          disabled={isBusy}
          onClick={onDismiss}
        >
          {t("proposals.dismiss")}
        </Button>
      </span>
    </li>
  );
}
