import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { Redirect } from "wouter";
import { SectionedPage } from "../../components/ui/sectioned-page.tsx";
import { JobsSection } from "../jobs/JobsSection.tsx";
import { RateLimitsSection } from "../rate-limits/RateLimitsSection.tsx";
import { UsageSection } from "../usage/UsageSection.tsx";
import { ModelsSection } from "./ModelsSection.tsx";
import { ProvidersSection } from "./ProvidersSection.tsx";
import { UsersSection } from "./UsersSection.tsx";

type User = components["schemas"]["User"];

const SECTIONS = ["users", "providers", "models", "rate-limits", "usage", "jobs"] as const;
type Section = (typeof SECTIONS)[number];

const isSection = (value: string): value is Section => (SECTIONS as readonly string[]).includes(value);

/** The administration screens (admins only: app/ shows others a not-found page), one section at a time. */
export function AdminPage({ user, section = "users" }: { user: User; section?: string | undefined }) {
  const { t } = useTranslation("admin");
  if (!isSection(section)) return <Redirect to="/admin" replace />;
  return (
    <SectionedPage
      title={t("title")}
      navLabel={t("sectionsLabel")}
      sections={SECTIONS.map((each) => ({ href: `/admin/${each}`, label: t(`sections.${each}`) }))}
      current={`/admin/${section}`}
    >
      {section === "users" && <UsersSection me={user} />}
      {section === "providers" && <ProvidersSection />}
      {section === "models" && <ModelsSection />}
      {section === "rate-limits" && <RateLimitsSection />}
      {section === "usage" && <UsageSection scope="all" />}
      {section === "jobs" && <JobsSection />}
    </SectionedPage>
  );
}
