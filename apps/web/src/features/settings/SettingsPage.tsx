import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { Redirect } from "wouter";
import { SectionedPage } from "../../components/ui/sectioned-page.tsx";
import { UsageSection } from "../usage/UsageSection.tsx";
import { ApiKeysSection } from "./ApiKeysSection.tsx";
import { AppearanceSection } from "./AppearanceSection.tsx";
import { PasswordSection } from "./PasswordSection.tsx";
import { ProfileSection } from "./ProfileSection.tsx";

type User = components["schemas"]["User"];

const SECTIONS = ["profile", "password", "appearance", "api-keys", "usage"] as const;
type Section = (typeof SECTIONS)[number];

const isSection = (value: string): value is Section => (SECTIONS as readonly string[]).includes(value);

/** The signed-in user's settings, one section at a time (/settings/<section>). */
export function SettingsPage({ user, section = "profile" }: { user: User; section?: string | undefined }) {
  const { t } = useTranslation("settings");
  if (!isSection(section)) return <Redirect to="/settings" replace />;
  return (
    <SectionedPage
      title={t("title")}
      navLabel={t("sectionsLabel")}
      sections={SECTIONS.map((each) => ({ href: `/settings/${each}`, label: t(`sections.${each}`) }))}
      current={`/settings/${section}`}
    >
      {section === "profile" && <ProfileSection user={user} />}
      {section === "password" && <PasswordSection />}
      {section === "appearance" && <AppearanceSection user={user} />}
      {section === "api-keys" && <ApiKeysSection />}
      {section === "usage" && <UsageSection scope="mine" />}
    </SectionedPage>
  );
}
