import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { formatBytes, formatNumber } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useUserLimits } from "./admin-queries.ts";

type LimitName = keyof components["schemas"]["UserLimits"];

const LIMITS: readonly LimitName[] = [
  "messagesPerMinute",
  "conversationsPerMinute",
  "eventStreams",
  "apiKeys",
  "storageBytes",
];

/** A user's limits as a table: what applies (marked where an admin set it), the default, and usage. */
export function UserLimits({ userId }: { userId: string }) {
  const { t, i18n } = useTranslation("admin");
  const report = useUserLimits(userId);
  if (report.isError) {
    return (
      <p role="alert" className="text-sm text-destructive">
        {problemMessage(report.error, t)}
      </p>
    );
  }
  if (report.data === undefined) return <p className="text-sm text-muted-foreground">{t("common:loading")}</p>;
  const { limits, defaults, overrides, usage } = report.data;
  const used: Partial<Record<LimitName, number>> = { apiKeys: usage.apiKeys, storageBytes: usage.storedBytes };
  const format = (name: LimitName, value: number) =>
    name === "storageBytes" ? formatBytes(value, i18n.language) : formatNumber(value, i18n.language);
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{t("limits.caption")}</caption>
        <thead className="text-muted-foreground">
          <tr>
            <th scope="col" className="py-1 pr-4 font-medium">
              {t("limits.limit")}
            </th>
            <th scope="col" className="py-1 pr-4 font-medium">
              {t("limits.value")}
            </th>
            <th scope="col" className="py-1 pr-4 font-medium">
              {t("limits.default")}
            </th>
            <th scope="col" className="py-1 font-medium">
              {t("limits.used")}
            </th>
          </tr>
        </thead>
        <tbody>
          {LIMITS.map((name) => {
            const usedValue = used[name];
            return (
              <tr key={name} className="border-t">
                <th scope="row" className="py-1 pr-4 font-normal">
                  {t(`limits.names.${name}`)}
                </th>
                <td className="py-1 pr-4">
                  {format(name, limits[name])}
                  {overrides[name] !== undefined && ` (${t("limits.overridden")})`}
                </td>
                <td className="py-1 pr-4">{format(name, defaults[name])}</td>
                <td className="py-1">{usedValue === undefined ? t("limits.notCounted") : format(name, usedValue)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
