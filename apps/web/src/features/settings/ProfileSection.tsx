import type { components } from "@hearth/sdk";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { formatDateTime } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useUpdateMe } from "./preferences.ts";

type User = components["schemas"]["User"];

/** Every IANA time zone this browser knows, with UTC and the user's own among them. */
function timeZones(current: string): string[] {
  return [...new Set(["UTC", current, ...Intl.supportedValuesOf("timeZone")])].sort();
}

/** Who the user is (set by an admin, so read-only here) and their time zone. */
export function ProfileSection({ user }: { user: User }) {
  const { t, i18n } = useTranslation("settings");
  const update = useUpdateMe();
  const [timeZone, setTimeZone] = useState(user.timeZone);
  const zones = useMemo(() => timeZones(user.timeZone), [user.timeZone]);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const save = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ timeZone });
  };
  return (
    <PageSection title={t("profile.title")} intro={t("profile.intro")}>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
        <dt className="text-muted-foreground">{t("profile.username")}</dt>
        <dd className="min-w-0 break-words">{user.username}</dd>
        <dt className="text-muted-foreground">{t("profile.email")}</dt>
        <dd className="min-w-0 break-words">{user.email}</dd>
        <dt className="text-muted-foreground">{t("profile.role")}</dt>
        <dd>{t(`profile.roles.${user.role}`)}</dd>
        <dt className="text-muted-foreground">{t("profile.memberSince")}</dt>
        <dd>{formatDateTime(user.createdAt, i18n.language)}</dd>
      </dl>
      <form onSubmit={save} className="flex max-w-md flex-col gap-3">
        <SelectField
          label={t("profile.timeZone")}
          hint={t("profile.timeZoneHint", { zone: browserZone })}
          value={timeZone}
          onChange={(event) => setTimeZone(event.target.value)}
        >
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll("_", " ")}
            </option>
          ))}
        </SelectField>
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" variant="primary" disabled={update.isPending || timeZone === user.timeZone}>
            {t("common:save")}
          </Button>
          <p role="status" className="text-sm text-muted-foreground">
            {update.isSuccess && timeZone === user.timeZone ? t("saved") : ""}
          </p>
        </div>
        {update.isError && (
          <p role="alert" className="text-sm text-destructive">
            {problemMessage(update.error, t)}
          </p>
        )}
      </form>
    </PageSection>
  );
}
