import { type components, type HearthClient, paginate, unwrap } from "@hearth/sdk";
import { Argument, type Command, Option } from "commander";
import { commandContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { type Output, printable, shortDate } from "../output.ts";
import { askHidden, canPrompt, readSecretFromStdin } from "../prompts.ts";

type User = components["schemas"]["User"];
type LimitsReport = components["schemas"]["LimitsReport"];
type LimitName = keyof components["schemas"]["UserLimits"];

const LIMIT_NAMES: readonly LimitName[] = [
  "apiKeys",
  "conversationsPerMinute",
  "eventStreams",
  "messagesPerMinute",
  "storageBytes",
];
const USER_ARGUMENT = "the user's id, user name or email";

/** `hearth users …`: what the admin API offers: list, create, role, disable, enable, limits. */
export function registerUsers(program: Command): void {
  const users = program.command("users").description("manage users (admins only)");

  users
    .command("list")
    .description("list every user, oldest first")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const listed = await allUsers(hearth);
      output.result(listed, () =>
        output.table(
          ["ID", "USERNAME", "EMAIL", "ROLE", "STATE", "CREATED"],
          listed.map((user) => [
            user.id,
            user.username,
            user.email,
            user.role,
            user.disabled ? "disabled" : "active",
            shortDate(user.createdAt),
          ]),
        ),
      );
    });

  users
    .command("create")
    .description("create a user (the password is asked on a terminal, or read with --password-stdin)")
    .requiredOption("--username <name>", "their user name")
    .requiredOption("--email <email>", "their email")
    .option("--password-stdin", "read the password from stdin")
    .addOption(new Option("--role <role>", "their role").choices(["user", "admin"]).default("user"))
    .action(async (options: CreateOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const password = await newPassword(options);
      const body = { username: options.username, email: options.email, password, role: options.role };
      const user = unwrap(await hearth.api.POST("/api/admin/users", { body }));
      output.result(user, () => output.info(`Created ${user.role} ${printable(user.username)} (${user.id}).`));
    });

  users
    .command("role")
    .description("make a user an admin, or a user again")
    .argument("<user>", USER_ARGUMENT)
    .addArgument(new Argument("<role>", "admin or user").choices(["admin", "user"]))
    .action(async (name: string, role: "admin" | "user", _options: unknown, command: Command) => {
      const context = commandContext(command);
      await updateUser(context.hearth, context.output, name, { role });
    });

  for (const [verb, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    users
      .command(verb)
      .description(
        disabled ? "disable a user: their sessions end and their API keys stop working" : "enable a disabled user",
      )
      .argument("<user>", USER_ARGUMENT)
      .action(async (name: string, _options: unknown, command: Command) => {
        const context = commandContext(command);
        await updateUser(context.hearth, context.output, name, { disabled });
      });
  }

  users
    .command("limits")
    .description("show a user's limits and usage, or change them")
    .argument("<user>", USER_ARGUMENT)
    .option("--set <name=value...>", `override limits (${LIMIT_NAMES.join(", ")})`)
    .option("--reset <name...>", "go back to the server's default for these limits")
    .action(async (name: string, options: { set?: string[]; reset?: string[] }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const user = await findUser(hearth, name);
      const params = { path: { id: user.id } };
      const changes = limitChanges(options.set ?? [], options.reset ?? []);
      const report =
        Object.keys(changes).length === 0
          ? unwrap(await hearth.api.GET("/api/admin/users/{id}/limits", { params }))
          : unwrap(await hearth.api.PATCH("/api/admin/users/{id}/limits", { params, body: changes }));
      output.result(report, () => printLimits(output, report));
    });
}

interface CreateOptions {
  username: string;
  email: string;
  passwordStdin?: boolean;
  role: "user" | "admin";
}

async function newPassword(options: CreateOptions): Promise<string> {
  if (options.passwordStdin) return readSecretFromStdin("password");
  if (!canPrompt()) throw new UsageError("not on a terminal: give the password with --password-stdin");
  return askHidden(`Password for ${options.username}`);
}

async function allUsers(hearth: HearthClient): Promise<User[]> {
  const users: User[] = [];
  const pages = paginate((cursor) =>
    hearth.api.GET("/api/admin/users", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
  );
  for await (const user of pages) users.push(user);
  return users;
}

/** The user by id, user name or email. */
async function findUser(hearth: HearthClient, name: string): Promise<User> {
  const found = (await allUsers(hearth)).find(
    (user) => user.id === name || user.username === name || user.email === name,
  );
  if (found === undefined) throw new CliError(`no user ${JSON.stringify(name)}: hearth users list shows them`);
  return found;
}

async function updateUser(
  hearth: HearthClient,
  output: Output,
  name: string,
  change: { role?: "admin" | "user"; disabled?: boolean },
): Promise<void> {
  const { id } = await findUser(hearth, name);
  const user = unwrap(await hearth.api.PATCH("/api/admin/users/{id}", { params: { path: { id } }, body: change }));
  output.result(user, () =>
    output.info(`${printable(user.username)} is ${user.disabled ? "a disabled" : "an active"} ${user.role}.`),
  );
}

/** `--set messagesPerMinute=60 --reset apiKeys` as the body of the limits PATCH. */
function limitChanges(sets: readonly string[], resets: readonly string[]): Partial<Record<LimitName, number | null>> {
  const changes: Partial<Record<LimitName, number | null>> = {};
  for (const assignment of sets) {
    const [name = "", value = ""] = assignment.split("=", 2);
    const count = Number(value);
    if (!assignment.includes("=") || value === "" || !Number.isInteger(count)) {
      throw new UsageError(`--set takes name=number, such as messagesPerMinute=60, not ${JSON.stringify(assignment)}`);
    }
    changes[limitName(name)] = count;
  }
  for (const name of resets) changes[limitName(name)] = null;
  return changes;
}

function limitName(name: string): LimitName {
  if ((LIMIT_NAMES as readonly string[]).includes(name)) return name as LimitName;
  throw new UsageError(`no limit ${JSON.stringify(name)}; the limits are ${LIMIT_NAMES.join(", ")}`);
}

function printLimits(output: Output, report: LimitsReport): void {
  const used: Partial<Record<LimitName, number>> = {
    apiKeys: report.usage.apiKeys,
    storageBytes: report.usage.storedBytes,
  };
  output.table(
    ["LIMIT", "VALUE", "DEFAULT", "USED"],
    LIMIT_NAMES.map((name) => [
      name,
      `${report.limits[name]}${report.overrides[name] === undefined ? "" : " (set)"}`,
      String(report.defaults[name]),
      used[name] === undefined ? "-" : String(used[name]),
    ]),
  );
}
