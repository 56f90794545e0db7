import { useTranslation } from "react-i18next";
import { ManageMemorySection } from "./ManageMemorySection.tsx";
import { MemorySettingsSection } from "./MemorySettingsSection.tsx";
import { ProposalsSection } from "./ProposalsSection.tsx";
import { SavedMemoriesSection } from "./SavedMemoriesSection.tsx";

/** What replies know about the person: memory on or off, the proposals waiting, the saved memories, export and delete. */
export function MemoryPage() {
  const { t } = useTranslation("memory");
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto flex max-w-4xl flex-col gap-8 p-4 md:p-8">
        <div className="flex flex-col gap-1">
          <h1 className="text-2xl font-semibold">{t("page.title")}</h1>
          <p className="text-sm text-muted-foreground">{t("page.intro")}</p>
        </div>
        <MemorySettingsSection />
        <ProposalsSection />
        <SavedMemoriesSection />
        <ManageMemorySection />
      </div>
    </div>
  );
}
