import type { components } from "@hearth/sdk";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { formatNumber } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { ProfileDialog } from "./ProfileDialog.tsx";
import { useAssignProfile, useDeleteProfile, useProfiles } from "./queries.ts";

type Profile = components["schemas"]["RateLimitProfile"];
type Kind = components["schemas"]["AssignRateLimitProfile"]["kind"];

/**
 * Admins' rate-limit profiles: calls and tokens per minute and per day, each assigned to roles, users
 * or API keys (the most specific applies), defined, changed, assigned and deleted here.
 */
export function RateLimitsSection() {
  const { t } = useTranslation("rateLimits");
  const profiles = useProfiles();
  const [editing, setEditing] = useState<Profile | undefined>();
  const [isAdding, setAdding] = useState(false);
  return (
    <PageSection
      title={t("title")}
      intro={t("intro")}
      action={
        <Button variant="primary" onClick={() => setAdding(true)}>
          {t("add")}
        </Button>
      }
    >
      {profiles.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(profiles.error, t)}
        </p>
      )}
      {profiles.data?.length === 0 && <p className="text-sm text-muted-foreground">{t("empty")}</p>}
      {profiles.data !== undefined && profiles.data.length > 0 && (
        <ul aria-label={t("listLabel")} className="flex flex-col divide-y rounded-lg border">
          {profiles.data.map((profile) => (
            <ProfileItem key={profile.id} profile={profile} onEdit={() => setEditing(profile)} />
          ))}
        </ul>
      )}
      {profiles.data !== undefined && profiles.data.length > 0 && <AssignForm profiles={profiles.data} />}
      <ProfileDialog open={isAdding} onOpenChange={setAdding} />
      <ProfileDialog
        profile={editing}
        open={editing !== undefined}
        onOpenChange={(open) => {
          if (!open) setEditing(undefined);
        }}
      />
    </PageSection>
  );
}

function ProfileItem({ profile, onEdit }: { profile: Profile; onEdit: () => void }) {
  const { t, i18n } = useTranslation("rateLimits");
  const remove = useDeleteProfile();
  const assign = useAssignProfile();
  const [isConfirming, setConfirming] = useState(false);
  const number = (value: number) => formatNumber(value, i18n.language);
  const limits = (["requestsPerMinute", "requestsPerDay", "tokensPerMinute", "tokensPerDay"] as const).flatMap(
    (name) => (profile[name] === null ? [] : [t(`summary.${name}`, { value: number(profile[name] as number) })]),
  );
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 p-3">
      <div className="flex min-w-0 flex-col gap-1">
        <h3 className="font-medium break-words">{profile.id}</h3>
        {profile.description !== null && <p className="text-sm">{profile.description}</p>}
        <span className="text-sm text-muted-foreground">{limits.join(" · ") || t("noLimits")}</span>
        {profile.assignments.length === 0 ? (
          <span className="text-sm text-muted-foreground">{t("unassigned")}</span>
        ) : (
          <ul aria-label={t("assignedTo", { id: profile.id })} className="flex flex-wrap gap-2 text-sm">
            {profile.assignments.map((assignment) => (
              <li
                key={`${assignment.kind}:${assignment.id}`}
                className="flex items-center gap-1 rounded-md border px-2 py-0.5"
              >
                <span className="break-all">{t(`kinds.${assignment.kind}`, { id: assignment.id })}</span>
                <Button
                  variant="ghost"
                  className="h-6 px-1"
                  disabled={assign.isPending}
                  onClick={() => assign.mutate({ kind: assignment.kind, id: assignment.id, profile: null })}
                >
                  {t("unassign")}
                  <span className="sr-only"> {t(`kinds.${assignment.kind}`, { id: assignment.id })}</span>
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="flex gap-2">
        <Button onClick={onEdit}>
          {t("edit")}
          <span className="sr-only"> {profile.id}</span>
        </Button>
        <Button onClick={() => setConfirming(true)}>
          {t("delete")}
          <span className="sr-only"> {profile.id}</span>
        </Button>
      </div>
      <ConfirmDialog
        open={isConfirming}
        onOpenChange={(open) => {
          setConfirming(open);
          if (!open) remove.reset();
        }}
        title={t("deleteTitle", { id: profile.id })}
        description={t("deleteDescription")}
        confirmLabel={t("delete")}
        cancelLabel={t("common:cancel")}
        isPending={remove.isPending}
        error={remove.isError ? problemMessage(remove.error, t) : undefined}
        onConfirm={() => remove.mutate(profile.id, { onSuccess: () => setConfirming(false) })}
      />
    </li>
  );
}

/** Assigns a profile to a role, a user (by id) or an API key (by id). */
function AssignForm({ profiles }: { profiles: readonly Profile[] }) {
  const { t } = useTranslation("rateLimits");
  const assign = useAssignProfile();
  const headingId = useId();
  const [kind, setKind] = useState<Kind>("role");
  const [target, setTarget] = useState("user");
  const [profile, setProfile] = useState(profiles[0]?.id ?? "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    assign.mutate({ kind, id: target.trim(), profile });
  };
  return (
    <form onSubmit={submit} aria-labelledby={headingId} className="flex flex-col gap-3">
      <h3 id={headingId} className="font-semibold">
        {t("assignTitle")}
      </h3>
      <div className="flex flex-wrap items-end gap-3">
        <SelectField
          label={t("kind")}
          value={kind}
          onChange={(event) => {
            const next = event.target.value as Kind;
            setKind(next);
            setTarget(next === "role" ? "user" : "");
          }}
        >
          <option value="role">{t("kindNames.role")}</option>
          <option value="user">{t("kindNames.user")}</option>
          <option value="apiKey">{t("kindNames.apiKey")}</option>
        </SelectField>
        {kind === "role" ? (
          <SelectField label={t("role")} value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="user">user</option>
            <option value="admin">admin</option>
          </SelectField>
        ) : (
          <TextField
            label={t(kind === "user" ? "userId" : "apiKeyId")}
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
            value={target}
            onChange={(event) => setTarget(event.target.value)}
          />
        )}
        <SelectField label={t("profile")} value={profile} onChange={(event) => setProfile(event.target.value)}>
          {profiles.map((each) => (
            <option key={each.id} value={each.id}>
              {each.id}
            </option>
          ))}
        </SelectField>
        <Button type="submit" variant="primary" disabled={assign.isPending || target.trim() === ""}>
          {t("assign")}
        </Button>
      </div>
      {assign.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(assign.error, t)}
        </p>
      )}
      {assign.isSuccess && (
        <p role="status" className="text-sm text-muted-foreground">
          {t("assigned")}
        </p>
      )}
    </form>
  );
}
