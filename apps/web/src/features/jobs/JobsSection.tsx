import type { components } from "@hearth/sdk";
import { type ReactNode, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { PageSection } from "../../components/ui/page-section.tsx";
import { SelectField } from "../../components/ui/select-field.tsx";
import { formatDateTime, formatNumber } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { useJobs, useRetryJob } from "./queries.ts";

type Job = components["schemas"]["Job"];
type JobState = components["schemas"]["JobState"];
type QueueCounts = components["schemas"]["QueueCounts"];

const STATES: readonly JobState[] = ["queued", "running", "done", "dead"];
/** How much of a job's progress (as JSON) a row shows. */
const SHORT_PROGRESS = 60;

const isState = (value: string): value is JobState => (STATES as readonly string[]).includes(value);

/** Whether an admin may retry the job now: dead, or waiting out its backoff after a failure. */
const isRetryable = (job: Job) => job.state === "dead" || (job.state === "queued" && job.lastError !== null);

/** Text cut to `length` characters, the cut marked with an ellipsis. */
function shorten(text: string, length: number): string {
  const characters = [...text];
  return characters.length <= length ? text : `${characters.slice(0, length - 1).join("")}…`;
}

/**
 * Admins' view of the durable job queue: how many jobs each queue holds in each state, the jobs newest
 * first (of one state, or all), a page at a time, and a retry for those that failed.
 */
export function JobsSection() {
  const { t } = useTranslation("jobs");
  const [state, setState] = useState<JobState | undefined>();
  const pages = useJobs(state);
  const retry = useRetryJob();
  const jobs = pages.data?.pages.flatMap((page) => page.data) ?? [];
  const counts = pages.data?.pages[0]?.counts;
  return (
    <PageSection title={t("title")} intro={t("intro")}>
      {pages.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(pages.error, t)}
        </p>
      )}
      {counts !== undefined &&
        (counts.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("noJobs")}</p>
        ) : (
          <CountsTable counts={counts} />
        ))}
      <SelectField
        label={t("state")}
        className="self-start"
        value={state ?? ""}
        onChange={(event) => setState(isState(event.target.value) ? event.target.value : undefined)}
      >
        <option value="">{t("allStates")}</option>
        {STATES.map((each) => (
          <option key={each} value={each}>
            {t(`states.${each}`)}
          </option>
        ))}
      </SelectField>
      {retry.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(retry.error, t)}
        </p>
      )}
      {pages.data !== undefined && jobs.length === 0 && counts?.length !== 0 && (
        <p className="text-sm text-muted-foreground">{t(state === undefined ? "noJobs" : `none.${state}`)}</p>
      )}
      {jobs.length > 0 && (
        <JobsTable jobs={jobs} isRetrying={retry.isPending} onRetry={(job) => retry.mutate(job.id)} />
      )}
      {pages.hasNextPage && (
        <Button className="self-start" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          {t("more")}
        </Button>
      )}
    </PageSection>
  );
}

/** A table in a box that scrolls sideways on a narrow screen, named by its caption. */
function ScrollingTable({ caption, children }: { caption: string; children: ReactNode }) {
  const captionId = useId();
  return (
    // Focusable, so a keyboard can scroll it too (WCAG 2.1.1). Relative: what is positioned inside (the
    // buttons' screen-reader text) is clipped by it too, rather than widening the page.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take the focus.
    <section tabIndex={0} aria-labelledby={captionId} className="relative overflow-x-auto rounded-lg border">
      <table className="w-full text-sm">
        <caption id={captionId} className="px-3 py-2 text-left font-semibold">
          {caption}
        </caption>
        {children}
      </table>
    </section>
  );
}

function CountsTable({ counts }: { counts: readonly QueueCounts[] }) {
  const { t, i18n } = useTranslation("jobs");
  return (
    <ScrollingTable caption={t("countsCaption")}>
      <thead className="bg-muted/50 text-left">
        <tr>
          <th scope="col" className="px-3 py-2 font-medium">
            {t("columns.queue")}
          </th>
          {STATES.map((state) => (
            <th key={state} scope="col" className="px-3 py-2 text-right font-medium">
              {t(`states.${state}`)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {counts.map((row) => (
          <tr key={row.queue} className="border-t">
            <th scope="row" className="px-3 py-2 text-left font-normal break-all">
              {row.queue}
            </th>
            {STATES.map((state) => (
              <td key={state} className="px-3 py-2 text-right tabular-nums">
                {formatNumber(row[state], i18n.language)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </ScrollingTable>
  );
}

function JobsTable({
  jobs,
  isRetrying,
  onRetry,
}: {
  jobs: readonly Job[];
  isRetrying: boolean;
  onRetry: (job: Job) => void;
}) {
  const { t, i18n } = useTranslation("jobs");
  const time = (iso: string | null) => (iso === null ? "–" : formatDateTime(iso, i18n.language));
  return (
    <ScrollingTable caption={t("jobsCaption")}>
      <thead className="bg-muted/50 text-left">
        <tr>
          {(["queue", "state", "attempts", "lastError", "progress", "created", "finished"] as const).map((column) => (
            <th key={column} scope="col" className="px-3 py-2 font-medium whitespace-nowrap">
              {t(`columns.${column}`)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} className="border-t align-top">
            <th scope="row" className="px-3 py-2 text-left font-normal whitespace-nowrap">
              {job.queue}
            </th>
            <td className="px-3 py-2 whitespace-nowrap">
              <div className="flex flex-col items-start gap-1">
                {t(`states.${job.state}`)}
                {job.state === "queued" && job.lastError !== null && (
                  <span className="text-muted-foreground">{t("waitsUntil", { time: time(job.runAfter) })}</span>
                )}
                {isRetryable(job) && (
                  <Button disabled={isRetrying} onClick={() => onRetry(job)}>
                    {t("retry")}
                    <span className="sr-only"> {t("retryWhich", { queue: job.queue, time: time(job.createdAt) })}</span>
                  </Button>
                )}
              </div>
            </td>
            <td className="px-3 py-2 tabular-nums whitespace-nowrap">
              {t("attemptsOf", {
                attempts: formatNumber(job.attempts, i18n.language),
                max: formatNumber(job.maxAttempts, i18n.language),
              })}
            </td>
            <td className="min-w-48 px-3 py-2 break-words">{job.lastError ?? "–"}</td>
            <td className="min-w-32 px-3 py-2">
              {job.progress === null || job.progress === undefined ? (
                "–"
              ) : (
                <code className="break-all">{shorten(JSON.stringify(job.progress), SHORT_PROGRESS)}</code>
              )}
            </td>
            <td className="px-3 py-2 whitespace-nowrap">{time(job.createdAt)}</td>
            <td className="px-3 py-2 whitespace-nowrap">{time(job.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollingTable>
  );
}
