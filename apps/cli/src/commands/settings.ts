import { type components, unwrap } from "@hearth/sdk";
import { type Command, Option } from "commander";
import { commandContext } from "../context.ts";
import { describeSettings } from "./whoami.ts";

type UpdateMeInput = components["schemas"]["UpdateMeInput"];
type Language = NonNullable<components["schemas"]["User"]["language"]>;

const THEMES = ["light", "dark", "system"] as const;
const LANGUAGES = ["en", "de", "es", "fr", "browser"] as const;

interface SettingsOptions {
  theme?: (typeof THEMES)[number];
  language?: Language | "browser";
  timeZone?: string;
}

/** `hearth settings`: your settings (theme, language, time zone), shown or changed. */
export function registerSettings(program: Command): void {
  program
    .command("settings")
    .description("show your settings, or change them: the web app's theme and language, and your time zone")
    .addOption(new Option("--theme <theme>", "the web app's colours").choices(THEMES))
    .addOption(
      new Option("--language <language>", "the web app's language (browser: the browser's)").choices(LANGUAGES),
    )
    .option("--time-zone <zone>", "your IANA time zone, such as Europe/Oslo (tools such as current_time use it)")
    .action(async (options: SettingsOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const change = settingsChange(options);
      const { user } =
        change === undefined
          ? unwrap(await hearth.api.GET("/api/auth/me"))
          : unwrap(await hearth.api.PATCH("/api/auth/me", { body: change }));
      const settings = { theme: user.theme, language: user.language, timeZone: user.timeZone };
      output.result(settings, () => output.line(describeSettings(user)));
    });
}

/** The PATCH body the options ask for, or undefined when they ask for no change. */
function settingsChange(options: SettingsOptions): UpdateMeInput | undefined {
  const change: UpdateMeInput = {};
  if (options.theme !== undefined) change.theme = options.theme;
  if (options.language !== undefined) change.language = options.language === "browser" ? null : options.language;
  if (options.timeZone !== undefined) change.timeZone = options.timeZone;
  return Object.keys(change).length === 0 ? undefined : change;
}
