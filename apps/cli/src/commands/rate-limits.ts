import { type components, unwrap } from "@hearth/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { commandContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import type { Output } from "../output.ts";

type Profile = components["schemas"]["RateLimitProfile"];

interface LimitOptions {
  description?: string;
  requestsPerMinute?: number | "none";
  requestsPerDay?: number | "none";
  tokensPerMinute?: number | "none";
  tokensPerDay?: number | "none";
}

/** A limit on the command line: a whole number, or `none` for no limit (null to the API). */
function limit(value: string): number | "none" {
  if (value === "none") return "none";
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError("must be a whole number from 1, or none");
  return Number(value);
}

function withLimitOptions(command: Command): Command {
  return command
    .option("--description <text>", "what it is for")
    .option("--requests-per-minute <n>", "model calls per minute (none: no limit)", limit)
    .option("--requests-per-day <n>", "model calls per day (none: no limit)", limit)
    .option("--tokens-per-minute <n>", "prompt and completion tokens per minute (none: no limit)", limit)
    .option("--tokens-per-day <n>", "prompt and completion tokens per day (none: no limit)", limit);
}

/** The options given, as the API takes them: `none` is null (no limit). */
const limitsOf = (options: LimitOptions) =>
  Object.fromEntries(
    Object.entries(options)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, value === "none" ? null : value]),
  ) as { [Name in keyof LimitOptions]: Exclude<LimitOptions[Name], "none"> | null };

/** `hearth rate-limits` (admins): profiles of calls and tokens per minute and day, and who they apply to. */
export function registerRateLimits(program: Command): void {
  const rateLimits = program
    .command("rate-limits")
    .description(
      "rate-limit profiles: model calls and tokens per minute and per day, by role, user or API key (admins)",
    );

  rateLimits
    .command("list")
    .description("list the profiles and what each is assigned to")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const { data } = unwrap(await hearth.api.GET("/api/admin/rate-limit-profiles"));
      output.result(data, () => {
        if (data.length === 0) output.info("No rate-limit profiles: calls are limited only by each user's own limits.");
        else
          output.table(
            ["ID", "CALLS/MIN", "CALLS/DAY", "TOKENS/MIN", "TOKENS/DAY", "ASSIGNED TO"],
            data.map(profileRow),
          );
      });
    });

  withLimitOptions(
    rateLimits
      .command("create")
      .description("define a profile")
      .argument("<id>", "its id: lowercase letters, digits, dashes"),
  ).action(async (id: string, options: LimitOptions, command: Command) => {
    const { output, hearth } = commandContext(command);
    const profile = unwrap(
      await hearth.api.POST("/api/admin/rate-limit-profiles", { body: { id, ...limitsOf(options) } }),
    );
    output.result(profile, () => printProfile(output, profile));
  });

  withLimitOptions(
    rateLimits.command("set").description("change a profile's limits").argument("<id>", "the profile"),
  ).action(async (id: string, options: LimitOptions, command: Command) => {
    const { output, hearth } = commandContext(command);
    const profile = unwrap(
      await hearth.api.PATCH("/api/admin/rate-limit-profiles/{id}", {
        params: { path: { id } },
        body: limitsOf(options),
      }),
    );
    output.result(profile, () => printProfile(output, profile));
  });

  rateLimits
    .command("rm")
    .description("delete a profile and its assignments")
    .argument("<id>", "the profile")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      unwrap(await hearth.api.DELETE("/api/admin/rate-limit-profiles/{id}", { params: { path: { id } } }));
      output.result({ deleted: id }, () => output.info(`Deleted the rate-limit profile ${id}.`));
    });

  rateLimits
    .command("assign")
    .description("assign a profile to a role, a user or an API key (none takes the assignment away)")
    .argument("<profile>", "the profile's id, or none")
    .option("--role <role>", "every user of this role (user, admin) without a profile of their own")
    .option("--user <id>", "one user (hearth users list shows ids)")
    .option("--key <id>", "one API key, whose calls then count apart from its user's")
    .action(async (profile: string, options: { role?: string; user?: string; key?: string }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const targets = [
        ...(options.role === undefined ? [] : [{ kind: "role" as const, id: options.role }]),
        ...(options.user === undefined ? [] : [{ kind: "user" as const, id: options.user }]),
        ...(options.key === undefined ? [] : [{ kind: "apiKey" as const, id: options.key }]),
      ];
      const [target] = targets;
      if (target === undefined || targets.length > 1) throw new UsageError("give exactly one of --role, --user, --key");
      const body = { ...target, profile: profile === "none" ? null : profile };
      const done = unwrap(await hearth.api.PUT("/api/admin/rate-limit-assignments", { body }));
      output.result(done, () =>
        output.info(
          done.profile === null
            ? `The ${target.kind} ${target.id} has no rate-limit profile of its own now.`
            : `The ${target.kind} ${target.id} is limited by ${done.profile} now.`,
        ),
      );
    });
}

const show = (value: number | null) => (value === null ? "-" : String(value));

function profileRow(profile: Profile): string[] {
  return [
    profile.id,
    show(profile.requestsPerMinute),
    show(profile.requestsPerDay),
    show(profile.tokensPerMinute),
    show(profile.tokensPerDay),
    profile.assignments.map((each) => `${each.kind} ${each.id}`).join(", ") || "-",
  ];
}

function printProfile(output: Output, profile: Profile): void {
  output.fields([
    ["id", profile.id],
    ["description", profile.description ?? "-"],
    ["calls per minute", show(profile.requestsPerMinute)],
    ["calls per day", show(profile.requestsPerDay)],
    ["tokens per minute", show(profile.tokensPerMinute)],
    ["tokens per day", show(profile.tokensPerDay)],
    ["assigned to", profile.assignments.map((each) => `${each.kind} ${each.id}`).join(", ") || "-"],
  ]);
}
