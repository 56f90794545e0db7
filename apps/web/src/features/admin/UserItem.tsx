import type { components } from "@hearth/sdk";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/confirm-dialog.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { formatDateTime } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useUpdateUser } from "./admin-queries.ts";
import { UserLimits } from "./UserLimits.tsx";

type User = components["schemas"]["User"];
type Role = User["role"];

/** One account in the admin's list, with what an admin can change about it. */
export function UserItem({ user, isMe }: { user: User; isMe: boolean }) {
  const { t, i18n } = useTranslation("admin");
  const update = useUpdateUser();
  const [isConfirmingDisable, setConfirmingDisable] = useState(false);
  const [areLimitsShown, setLimitsShown] = useState(false);
  const limitsId = `limits-${user.id}`;
  const setDisabled = (disabled: boolean) =>
    update.mutate({ id: user.id, change: { disabled } }, { onSuccess: () => setConfirmingDisable(false) });
  return (
    <li className="flex flex-col gap-3 p-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1">
          <h3 className="font-medium break-words">
            {user.username}
            {isMe && <span className="ml-2 text-sm font-normal text-muted-foreground">{t("users.you")}</span>}
          </h3>
          <span className="text-sm break-words text-muted-foreground">{user.email}</span>
          <span className="text-sm text-muted-foreground">
            {user.disabled ? t("users.disabled") : t("users.active")}
            {" · "}
            {t("users.createdAt", { date: formatDateTime(user.createdAt, i18n.language) })}
          </span>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <SelectField
            label={t("users.role")}
            value={user.role}
            disabled={update.isPending}
            onChange={(event) => update.mutate({ id: user.id, change: { role: event.target.value as Role } })}
          >
            <option value="user">{t("users.roles.user")}</option>
            <option value="admin">{t("users.roles.admin")}</option>
          </SelectField>
          {user.disabled ? (
            <Button disabled={update.isPending} onClick={() => setDisabled(false)}>
              {t("users.enable")}
              <span className="sr-only"> {user.username}</span>
            </Button>
          ) : (
            <Button disabled={update.isPending} onClick={() => setConfirmingDisable(true)}>
              {t("users.disable")}
              <span className="sr-only"> {user.username}</span>
            </Button>
          )}
          <Button
            aria-expanded={areLimitsShown}
            aria-controls={limitsId}
            onClick={() => setLimitsShown((shown) => !shown)}
          >
            {t("users.limits")}
            <span className="sr-only"> {user.username}</span>
          </Button>
        </div>
      </div>
      {update.isError && !isConfirmingDisable && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(update.error, t)}
        </p>
      )}
      <div id={limitsId}>{areLimitsShown && <UserLimits userId={user.id} />}</div>
      <ConfirmDialog
        open={isConfirmingDisable}
        onOpenChange={(open) => {
          setConfirmingDisable(open);
          if (!open) update.reset();
        }}
        title={t("users.disableTitle", { name: user.username })}
        description={t("users.disableDescription")}
        confirmLabel={t("users.disable")}
        cancelLabel={t("common:cancel")}
        isPending={update.isPending}
        error={update.isError ? problemMessage(update.error, t) : undefined}
        onConfirm={() => setDisabled(true)}
      />
    </li>
  );
}
