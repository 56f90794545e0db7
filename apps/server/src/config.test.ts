import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Config, type ConfigSources, loadConfig, redactConfig } from "./config.ts";
import { ENV_ALIASES, FLAG_ALIASES } from "./config-schema.ts";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SECRET = "hunter2-correct-horse-battery";

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "hearth-config-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function load({ argv = [], env = {} }: Partial<Omit<ConfigSources, "cwd">> = {}) {
  return loadConfig({ argv, env, cwd });
}

function loadValid(sources: Partial<Omit<ConfigSources, "cwd">> = {}): Config {
  const loaded = load(sources);
  if (loaded.ok !== true) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded)}`);
  return loaded.config;
}

function loadErrors(sources: Partial<Omit<ConfigSources, "cwd">> = {}): string[] {
  const loaded = load(sources);
  if (loaded.ok !== false) throw new Error(`expected configuration errors, got ${JSON.stringify(loaded)}`);
  return loaded.errors;
}

async function writeConfigFile(path: string, content: unknown): Promise<string> {
  const file = join(cwd, path);
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("loadConfig defaults", () => {
  it("listens on 127.0.0.1:8080 with ./data under the working directory and models in <dataDir>/models", () => {
    const config = loadValid();
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 8080, trustProxy: false });
    expect(config.dataDir).toBe(join(cwd, "data"));
    expect(config.modelsDir).toBe(join(cwd, "data", "models"));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.log.level).toBe("info");
  });

  it("puts models under the data dir that was configured, unless a models dir is given", () => {
    expect(loadValid({ env: { HEARTH_DATA_DIR: "store" } }).modelsDir).toBe(join(cwd, "store", "models"));
    expect(loadValid({ env: { HEARTH_DATA_DIR: "store", HEARTH_MODELS_DIR: "/srv/models" } }).modelsDir).toBe(
      "/srv/models",
    );
  });
});

describe("loadConfig precedence", () => {
  it("reads hearth.config.json from the data dir", async () => {
    await writeConfigFile("data/hearth.config.json", { server: { port: 8181 }, log: { level: "debug" } });
    const config = loadValid();
    expect(config.server.port).toBe(8181);
    expect(config.log.level).toBe("debug");
  });

  it("looks for hearth.config.json in the data dir named by the environment or a flag", async () => {
    await writeConfigFile("from-env/hearth.config.json", { server: { port: 8181 } });
    await writeConfigFile("from-flag/hearth.config.json", { server: { port: 8282 } });
    expect(loadValid({ env: { HEARTH_DATA_DIR: "from-env" } }).server.port).toBe(8181);
    expect(loadValid({ env: { HEARTH_DATA_DIR: "from-env" }, argv: ["--data-dir", "from-flag"] }).server.port).toBe(
      8282,
    );
  });

  it("reads the file named by HEARTH_CONFIG, relative to the working directory, instead of the data dir's", async () => {
    await writeConfigFile("data/hearth.config.json", { server: { port: 8181 } });
    await writeConfigFile("etc/custom.json", { server: { host: "0.0.0.0" } });
    const config = loadValid({ env: { HEARTH_CONFIG: "etc/custom.json" } });
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 8080 });
  });

  it("lets HEARTH_* variables override the config file, and flags override both", async () => {
    await writeConfigFile("data/hearth.config.json", {
      server: { host: "10.0.0.1", port: 8181 },
      log: { level: "debug" },
      auth: { loginRateLimit: { perAccount: 5, perIp: 7 } },
    });
    const config = loadValid({
      env: { HEARTH_SERVER_PORT: "8282", HEARTH_LOG_LEVEL: "warn", HEARTH_AUTH_LOGIN_RATE_LIMIT_PER_ACCOUNT: "3" },
      argv: ["--port", "9000"],
    });
    expect(config.server).toMatchObject({ host: "10.0.0.1", port: 9000 });
    expect(config.log.level).toBe("warn");
    expect(config.auth.loginRateLimit).toMatchObject({ perAccount: 3, perIp: 7 });
  });

  it("accepts the conventional names PORT, HOST, DATABASE_URL, LOG_LEVEL, HEARTH_DATA_DIR and HEARTH_MODELS_DIR", () => {
    const config = loadValid({
      env: {
        PORT: "3000",
        HOST: "0.0.0.0",
        DATABASE_URL: "postgres://hearth@db.internal/hearth",
        LOG_LEVEL: "error",
        HEARTH_DATA_DIR: "var/hearth",
        HEARTH_MODELS_DIR: "models",
      },
    });
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 3000 });
    expect(config.databaseUrl).toBe("postgres://hearth@db.internal/hearth");
    expect(config.log.level).toBe("error");
    expect(config.dataDir).toBe(join(cwd, "var", "hearth"));
    expect(config.modelsDir).toBe(join(cwd, "models"));
  });

  it("lets a flag override the environment, in both --name value and --name=value forms", () => {
    const env = { PORT: "3000", HEARTH_DATA_DIR: "from-env", HEARTH_AUTH_SESSION_IDLE_SECONDS: "120" };
    const spaced = loadValid({ env, argv: ["--port", "9000", "--data-dir", "from-flag"] });
    expect(spaced.server.port).toBe(9000);
    expect(spaced.dataDir).toBe(join(cwd, "from-flag"));
    expect(spaced.auth.sessionIdleSeconds).toBe(120);

    const joined = loadValid({ env, argv: ["--server.port=9001", "--auth.session-idle-seconds=60"] });
    expect(joined.server.port).toBe(9001);
    expect(joined.auth.sessionIdleSeconds).toBe(60);
  });

  it("reads a bare boolean flag as true and takes an explicit true or false after it", () => {
    expect(loadValid({ argv: ["--server.trust-proxy", "--port", "9000"] }).server).toMatchObject({
      trustProxy: true,
      port: 9000,
    });
    expect(
      loadValid({ env: { HEARTH_SERVER_TRUST_PROXY: "true" }, argv: ["--server.trust-proxy", "false"] }).server,
    ).toMatchObject({ trustProxy: false });
    expect(loadValid({ argv: ["--server.trust-proxy=false"] }).server.trustProxy).toBe(false);
    expect(loadValid({ env: { HEARTH_SERVER_TRUST_PROXY: "yes" } }).server.trustProxy).toBe(true);
  });

  it("reads server.trustProxy as a boolean, a number of hops or a comma-separated list of proxies (issue item 5)", async () => {
    expect(loadValid({ env: { HEARTH_SERVER_TRUST_PROXY: "2" } }).server.trustProxy).toBe(2);
    expect(loadValid({ argv: ["--server.trust-proxy", "0"] }).server.trustProxy).toBe(0);
    expect(
      loadValid({ env: { HEARTH_SERVER_TRUST_PROXY: "10.0.0.0/8, fd00::/8,192.0.2.1" } }).server.trustProxy,
    ).toEqual(["10.0.0.0/8", "fd00::/8", "192.0.2.1"]);
    expect(loadValid({ argv: ["--server.trust-proxy=127.0.0.1"] }).server.trustProxy).toEqual(["127.0.0.1"]);
    await writeConfigFile("data/hearth.config.json", { server: { trustProxy: ["10.0.0.0/8"] } });
    expect(loadValid().server.trustProxy).toEqual(["10.0.0.0/8"]);
  });

  it("refuses a server.trustProxy that names no address, saying what is accepted", () => {
    for (const value of ["10.0.0.0/33", "proxy.internal", "-1"]) {
      const errors = loadErrors({ env: { HEARTH_SERVER_TRUST_PROXY: value } });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain("server.trustProxy");
      expect(errors[0]).toMatch(/proxy hops|IP address or a CIDR block|expected number to be >=0/);
    }
    expect(loadErrors({ env: { HEARTH_SERVER_TRUST_PROXY: "10.0.0.1,proxy.internal" } })).toEqual([
      'server.trustProxy.1 = "proxy.internal" (from environment variable HEARTH_SERVER_TRUST_PROXY): must be an IP address or a CIDR block like 10.0.0.0/8',
    ]);
  });

  it("ignores environment variables that are set but empty", () => {
    expect(loadValid({ env: { PORT: "", HEARTH_LOG_LEVEL: "" } })).toMatchObject({
      server: { port: 8080 },
      log: { level: "info" },
    });
  });

  it.each(Object.entries(ENV_ALIASES))("maps the environment alias %s onto the setting %s", (name, path) => {
    const value =
      path === "server.port"
        ? "1234"
        : path === "log.level"
          ? "debug"
          : path === "redisUrl"
            ? "redis://cache:6379"
            : path === "tracing.otlpEndpoint" || path === "models.huggingFaceEndpoint"
              ? "http://collector:4318"
              : "postgres://x@y/z";
    // Redis needs a PostgreSQL database beside it.
    const database = path === "redisUrl" ? { DATABASE_URL: "postgres://x@y/z" } : {};
    const config = loadValid({ env: { ...database, [name]: value } }) as unknown as Record<
      string,
      Record<string, unknown>
    >;
    const [section, key] = path.split(".") as [string, string | undefined];
    const actual = key === undefined ? config[section] : config[section]?.[key];
    expect(String(actual)).toBe(value);
  });

  it.each(Object.entries(FLAG_ALIASES))("maps the flag alias --%s onto the setting %s", (flag) => {
    const value =
      flag === "port"
        ? "1234"
        : flag === "log-level"
          ? "debug"
          : flag === "database-url"
            ? "postgres://x@y/z"
            : flag === "redis-url"
              ? "redis://cache:6379"
              : "/srv";
    const database = flag === "redis-url" ? ["--database-url", "postgres://x@y/z"] : [];
    expect(load({ argv: [...database, `--${flag}`, value] }).ok).toBe(true);
  });
});

describe("loadConfig errors", () => {
  it("names the key, the value, its source and what is accepted for a port that is not a number", () => {
    const errors = loadErrors({ env: { PORT: "abc" } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("server.port");
    expect(errors[0]).toContain('"abc"');
    expect(errors[0]).toContain("environment variable PORT");
    expect(errors[0]).toContain("expected number");
  });

  it("refuses a port above 65535 given as a flag", () => {
    const errors = loadErrors({ argv: ["--port", "70000"] });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/server\.port = 70000 \(from flag --port\): .*65535/);
  });

  it("lists the accepted log levels when the config file gives an unknown one", async () => {
    const file = await writeConfigFile("data/hearth.config.json", { log: { level: "loud" } });
    const errors = loadErrors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('log.level = "loud"');
    expect(errors[0]).toContain(`config file ${file}`);
    for (const level of ["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      expect(errors[0]).toContain(level);
  });

  it("reports an unknown key in the config file with its full path and the file", async () => {
    const file = await writeConfigFile("data/hearth.config.json", { server: { prot: 8080 } });
    const errors = loadErrors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("server.prot");
    expect(errors[0]).toContain("unknown setting");
    expect(errors[0]).toContain(file);
  });

  it("reports an unknown flag once, without repeating the value given after it", () => {
    const errors = loadErrors({ argv: ["--prot", "9000"] });
    expect(errors).toEqual(["Unknown command-line argument --prot. Run with --help to list the settings."]);
  });

  it("reports a flag given without its value", () => {
    expect(loadErrors({ argv: ["--port"] })).toEqual(["The flag --port needs a value."]);
  });

  it("reports a malformed config file by name and place", async () => {
    const file = await writeConfigFile("data/hearth.config.json", '{\n  "server": { "port": 8080, }\n}');
    const errors = loadErrors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(file);
    expect(errors[0]).toContain("not valid JSON");
    expect(errors[0]).toContain("line 2");
  });

  it("reports a missing HEARTH_CONFIG file, naming the variable and the path it resolved to", () => {
    const errors = loadErrors({ env: { HEARTH_CONFIG: "etc/missing.json" } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(join(cwd, "etc", "missing.json"));
    expect(errors[0]).toContain("HEARTH_CONFIG");
    expect(errors[0]).toContain("no such file");
  });

  it("lists every problem at once, one message each, even when a flag or the file is wrong too", async () => {
    await writeConfigFile("data/hearth.config.json", { server: { prot: 1 } });
    const errors = loadErrors({
      env: { PORT: "abc", LOG_LEVEL: "loud" },
      argv: ["--bogus", "1", "--auth.session-idle-seconds", "0"],
    });
    expect(errors).toHaveLength(5);
    for (const expected of ["--bogus", "server.port", "log.level", "server.prot", "auth.sessionIdleSeconds"]) {
      expect(errors.filter((error) => error.includes(expected))).toHaveLength(1);
    }
  });
});

describe("loadConfig secrets", () => {
  it("never repeats an invalid database URL or metrics token in its messages", () => {
    const errors = loadErrors({
      env: { DATABASE_URL: `mysql://hearth:${SECRET}@db/hearth`, HEARTH_METRICS_TOKEN: "hunter2" },
    });
    expect(errors).toHaveLength(2);
    expect(errors.join("\n")).not.toContain("hunter2");
    expect(errors[0]).toContain("databaseUrl = a value (hidden) (from environment variable DATABASE_URL)");
    expect(errors[1]).toContain("metrics.token = a value (hidden) (from environment variable HEARTH_METRICS_TOKEN)");
  });

  it("takes REDIS_URL only beside a PostgreSQL database, and never repeats it", () => {
    const url = `redis://:${SECRET}@cache.internal:6379`;
    const config = loadValid({ env: { REDIS_URL: url, DATABASE_URL: "postgres://hearth@db.internal/hearth" } });
    expect(config.redisUrl).toBe(url);
    expect(JSON.stringify(redactConfig(config))).not.toContain("hunter2");
    const alone = loadErrors({ env: { REDIS_URL: url } });
    expect(alone).toEqual([
      expect.stringContaining("redisUrl = a value (hidden) (from environment variable REDIS_URL): needs databaseUrl"),
    ]);
    expect(alone.join("\n")).not.toContain("hunter2");
    const wrong = loadErrors({ env: { REDIS_URL: `http://:${SECRET}@cache`, DATABASE_URL: "postgres://db/hearth" } });
    expect(wrong).toEqual([
      expect.stringContaining(
        "redisUrl = a value (hidden) (from environment variable REDIS_URL): must be a redis:// or rediss:// URL",
      ),
    ]);
    expect(wrong.join("\n")).not.toContain("hunter2");
  });

  it("does not quote a secret from a config file that is not valid JSON", async () => {
    await writeConfigFile("data/hearth.config.json", `{ "metrics": { "token": ${SECRET} } }`);
    const errors = loadErrors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toContain("hunter2");
  });

  it("does not repeat the value of a misspelled flag, which may be a secret", () => {
    const errors = loadErrors({
      argv: ["--databse-url", `postgres://hearth:${SECRET}@db/hearth`, `--metrics-token=${SECRET}`],
    });
    expect(errors).toHaveLength(2);
    expect(errors.join("\n")).not.toContain("hunter2");
    expect(errors[0]).toContain("--databse-url");
    expect(errors[1]).toContain("--metrics-token");
  });

  it("redacts the database URL and metrics token and leaves the rest as loaded", () => {
    const config = loadValid({
      env: { DATABASE_URL: `postgres://hearth:${SECRET}@db/hearth`, HEARTH_METRICS_TOKEN: SECRET },
    });
    const redacted = redactConfig(config);
    expect(JSON.stringify(redacted)).not.toContain("hunter2");
    expect(redacted).toMatchObject({
      databaseUrl: "[redacted]",
      metrics: { token: "[redacted]" },
      server: { port: 8080 },
      dataDir: join(cwd, "data"),
    });
    expect(config.metrics.token).toBe(SECRET);
  });

  it("leaves unset secrets out of the redacted configuration rather than marking them", () => {
    const redacted = redactConfig(loadValid());
    expect(redacted.databaseUrl).toBeUndefined();
    expect(redacted.metrics).toEqual({});
  });

  it("reads model providers from the config file and redacts only their API keys", async () => {
    await writeConfigFile("data/hearth.config.json", {
      models: {
        providers: [
          { id: "openai", kind: "openai-compatible", baseUrl: "https://api.openai.com/v1", apiKey: SECRET },
          { id: "ollama", kind: "ollama", baseUrl: "http://127.0.0.1:11434", models: ["llama3.2:latest"] },
        ],
      },
    });
    const config = loadValid({ env: { HEARTH_SECRET_KEY: "ab".repeat(32) } });
    expect(config.models.providers).toMatchObject([
      { id: "openai", apiKey: SECRET, timeoutSeconds: 30, enabled: true },
      { id: "ollama", models: ["llama3.2:latest"] },
    ]);
    const redacted = redactConfig(config);
    expect(JSON.stringify(redacted)).not.toContain("hunter2");
    expect(JSON.stringify(redacted)).not.toContain("abab");
    expect(redacted).toMatchObject({
      secretKey: "[redacted]",
      models: {
        providers: [
          { id: "openai", apiKey: "[redacted]" },
          { id: "ollama", baseUrl: "http://127.0.0.1:11434" },
        ],
      },
    });
    expect(redacted.models).not.toHaveProperty("providers.1.apiKey");
  });

  it("refuses a provider URL to a metadata service, a reused id and a malformed secret key, quoting no secret", async () => {
    const provider = { kind: "ollama", baseUrl: "http://127.0.0.1:11434", apiKey: SECRET };
    await writeConfigFile("data/hearth.config.json", {
      models: {
        providers: [
          { ...provider, id: "cloud", baseUrl: "http://169.254.169.254/" },
          { ...provider, id: "cloud", apiKey: "" },
        ],
      },
    });
    const errors = loadErrors({ env: { HEARTH_SECRET_KEY: SECRET } });
    expect(errors.join("\n")).not.toContain("hunter2");
    expect(errors).toEqual([
      expect.stringMatching(
        /^secretKey = a value \(hidden\) \(from environment variable HEARTH_SECRET_KEY\): must be 32 bytes/,
      ),
      expect.stringMatching(
        /^models\.providers\.0\.baseUrl = "http:\/\/169\.254\.169\.254\/" .*cloud metadata service/,
      ),
      expect.stringMatching(/^models\.providers\.1\.apiKey = a value \(hidden\) /),
      expect.stringMatching(/^models\.providers\.1\.id = "cloud" .*used twice/),
    ]);
  });
});

describe("loadConfig --help", () => {
  it("returns the help text listing every environment variable and flag", () => {
    const loaded = load({ argv: ["--help"] });
    if (loaded.ok !== "help") throw new Error(`expected help, got ${JSON.stringify(loaded)}`);
    for (const name of [
      "HEARTH_SERVER_PORT",
      "HEARTH_AUTH_LOGIN_RATE_LIMIT_PER_ACCOUNT",
      "HEARTH_DATA_DIR",
      "HEARTH_METRICS_TOKEN",
      "HEARTH_CONFIG",
      "PORT",
      "DATABASE_URL",
      "--server.port",
      "--server.trust-proxy",
      "--auth.session-idle-seconds",
      "--data-dir",
    ]) {
      expect(loaded.text).toContain(name);
    }
  });

  it("answers -h and --help even when the rest of the configuration is invalid", () => {
    expect(load({ argv: ["-h"], env: { PORT: "abc" } }).ok).toBe("help");
    expect(load({ argv: ["--bogus", "--help"] }).ok).toBe("help");
  });
});

describe("the hearth process", () => {
  function runHearth(argv: string[], env: Record<string, string>) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(HEARTH_|PORT$|HOST$|DATABASE_URL$|LOG_LEVEL$)/.test(name)),
    );
    const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts", ...argv], {
      cwd: REPO_ROOT,
      env: { ...inherited, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it("exits non-zero with the problems on stderr and touches no data dir when the configuration is invalid", async () => {
    const dataDir = join(cwd, "data");
    const result = await runHearth(["--port", "70000"], { HEARTH_DATA_DIR: dataDir, LOG_LEVEL: "loud" });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain("the configuration is invalid");
    expect(result.stderr).toContain("server.port = 70000 (from flag --port)");
    expect(result.stderr).toContain('log.level = "loud" (from environment variable LOG_LEVEL)');
    expect(existsSync(dataDir)).toBe(false);
  });

  it("prints the help text and exits 0 for --help", async () => {
    const result = await runHearth(["--help"], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("HEARTH_SERVER_PORT");
  });
});
