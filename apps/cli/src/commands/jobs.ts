/**
 * @module `hearth jobs list|show|retry` (admins): the durable job queue: how many jobs each queue holds in
 * each state, the jobs newest first, one job in full, and dead ones queued again.
 */
import { type components, type HearthClient, unwrap } from "@hearth/sdk";
import { type Command, Option } from "commander";
import { commandContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { type Output, shortDate } from "../output.ts";

type Job = components["schemas"]["Job"];
type JobState = components["schemas"]["JobState"];
type QueueCounts = components["schemas"]["QueueCounts"];

const STATES: readonly JobState[] = ["queued", "running", "done", "dead"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The most jobs a page of the API holds. */
const PAGE_LIMIT = 200;
/** How much of a job's last error the list shows (hearth jobs show prints all of it). */
const SHORT_ERROR = 40;

interface ListOptions {
  state?: JobState;
  queue?: string;
  limit: number;
}

/** `hearth jobs` (admins): the job queue's counts and jobs, one job in full, and retrying dead ones. */
export function registerJobs(program: Command): void {
  const jobs = program
    .command("jobs")
    .description("the durable job queue: counts per queue and state, the jobs, and retrying dead ones (admins)");

  jobs
    .command("list", { isDefault: true })
    .description("print how many jobs each queue holds in each state, then the jobs, newest first (the default)")
    .addOption(new Option("--state <state>", "only jobs in this state").choices(STATES))
    .option("--queue <name>", "only this queue's jobs")
    .option("--limit <count>", "list at most this many jobs", parseCount, 50)
    .action(async (options: ListOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const { counts, data, hasMore } = await listJobs(hearth, options);
      output.result({ counts, data }, () => {
        if (counts.length === 0) {
          output.info("No jobs.");
          return;
        }
        output.table(["QUEUE", "QUEUED", "RUNNING", "DONE", "DEAD"], counts.map(countsRow));
        output.line();
        if (data.length === 0) output.info(`No ${describeFilter(options)}.`);
        else output.table(["ID", "QUEUE", "STATE", "ATTEMPTS", "LAST ERROR", "CREATED"], data.map(jobRow));
        if (hasMore)
          output.info(`Only the newest ${data.length} of the ${describeFilter(options)}: --limit shows more.`);
      });
    });

  jobs
    .command("show")
    .description("show a job in full: its payload, progress, last error and times")
    .argument("<id>", "the job's id (hearth jobs list)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const job = unwrap(await hearth.api.GET("/api/admin/jobs/{id}", { params: { path: { id: jobId(id) } } }));
      output.result(job, () => printJob(output, job));
    });

  jobs
    .command("retry")
    .description("queue dead jobs (or ones waiting out their backoff) again now, with their attempts afresh")
    .argument("<ids...>", "the jobs' ids (hearth jobs list --state dead)")
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const checked = ids.map(jobId);
      const retried: Job[] = [];
      for (const id of checked) {
        retried.push(unwrap(await hearth.api.POST("/api/admin/jobs/{id}/retry", { params: { path: { id } } })));
      }
      output.result(retried, () => {
        for (const job of retried) output.info(`Queued the ${job.queue} job ${job.id} again.`);
      });
    });
}

/** The counts, and the newest jobs as filtered, page after page until `limit` of them. */
async function listJobs(
  hearth: HearthClient,
  options: ListOptions,
): Promise<{ counts: QueueCounts[]; data: Job[]; hasMore: boolean }> {
  const filter = {
    ...(options.state === undefined ? {} : { state: options.state }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
  };
  const data: Job[] = [];
  let counts: QueueCounts[] = [];
  let cursor: string | undefined;
  do {
    const limit = Math.min(options.limit - data.length, PAGE_LIMIT);
    const query = { ...filter, limit, ...(cursor === undefined ? {} : { cursor }) };
    const page = unwrap(await hearth.api.GET("/api/admin/jobs", { params: { query } }));
    if (cursor === undefined) counts = page.counts;
    data.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && data.length < options.limit);
  return { counts, data, hasMore: cursor !== undefined };
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--limit takes a whole number above 0, not ${JSON.stringify(value)}`);
  return count;
}

/** A job's id as the API takes it; anything else is refused before asking the server. */
function jobId(value: string): string {
  if (!UUID.test(value)) throw new UsageError(`not a job id: ${JSON.stringify(value)} (hearth jobs list shows them)`);
  return value.toLowerCase();
}

/** What the list was of: "dead jobs in the queue mail", "jobs". */
function describeFilter(options: ListOptions): string {
  const jobs = options.state === undefined ? "jobs" : `${options.state} jobs`;
  return options.queue === undefined ? jobs : `${jobs} in the queue ${options.queue}`;
}

function countsRow(counts: QueueCounts): string[] {
  return [counts.queue, String(counts.queued), String(counts.running), String(counts.done), String(counts.dead)];
}

/** Text cut to `length` characters, the cut marked with an ellipsis. */
function shorten(text: string, length: number): string {
  const characters = [...text.replace(/\s+/g, " ").trim()];
  return characters.length <= length ? characters.join("") : `${characters.slice(0, length - 1).join("")}…`;
}

function jobRow(job: Job): string[] {
  return [
    job.id,
    job.queue,
    job.state,
    `${job.attempts}/${job.maxAttempts}`,
    job.lastError === null ? "-" : shorten(job.lastError, SHORT_ERROR),
    shortDate(job.createdAt),
  ];
}

const asJson = (value: unknown) => (value === null || value === undefined ? "-" : JSON.stringify(value));

function printJob(output: Output, job: Job): void {
  output.fields([
    ["id", job.id],
    ["queue", job.queue],
    ["state", job.state],
    ["attempts", `${job.attempts} of ${job.maxAttempts}`],
    ["run after", shortDate(job.runAfter)],
    ["last error", job.lastError ?? "-"],
    ["progress", asJson(job.progress)],
    ["payload", asJson(job.payload)],
    ["node", job.node ?? "-"],
    ["created", shortDate(job.createdAt)],
    ["started", shortDate(job.startedAt)],
    ["finished", shortDate(job.finishedAt)],
  ]);
}
