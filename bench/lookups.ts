/**
 * `npm run bench:lookups`: what a model call reads before its model runs (the caller's limits, their
 * rate-limit profile and its request rates, the model's settings, the conversation's settings), on
 * embedded PGlite as a node runs it, against the bench model's time per generated token in the same
 * run. It says whether caching those reads would matter: a cache is worth its invalidation only
 * where a read costs a noticeable share of what the request does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase } from "@hearth/db";
import { limitsFor } from "../packages/core/src/limits/user-limits.ts";
import { migrations } from "../packages/core/src/migrations.ts";
import { readModelSettings } from "../packages/core/src/models/settings/model-settings.ts";
import { admitQuotas } from "../packages/core/src/quotas/admit-quotas.ts";
import { databaseRates } from "../packages/core/src/quotas/rate-store.ts";
import { writeBenchModel } from "./bench-model.ts";
import { openEngine } from "./open-engine.ts";
import { formatRows, median } from "./report.ts";

const CALLS = 2000;
const GENERATED_TOKENS = 64;
const DEFAULT_LIMITS = {
  conversationsPerMinute: 30,
  messagesPerMinute: 30,
  storageBytes: 1e9,
  apiKeys: 20,
  eventStreams: 8,
};

const progress = (message: string) => process.stderr.write(`${message}\n`);
const dataDir = await mkdtemp(join(tmpdir(), "hearth-bench-lookups-"));
try {
  const db = await openDatabase({ kind: "pglite", dataDir });
  await migrate(db, migrations);
  const now = new Date();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (username, email, password_hash, role, created_at, updated_at)
     VALUES ('bench', 'bench@example.com', 'x', 'user', $1, $1) RETURNING id`,
    [now],
  );
  const userId = (rows[0] as { id: string }).id;
  const { rows: profiles } = await db.query<{ id: string }>(
    `INSERT INTO rate_limit_profiles (id, requests_per_minute, requests_per_day, tokens_per_minute, tokens_per_day, created_at, updated_at)
     VALUES ('bench', 1000000000, 1000000000, 1000000000, 1000000000, $1, $1) RETURNING id`,
    [now],
  );
  await db.query(
    "INSERT INTO rate_limit_assignments (target_kind, target_id, profile_id, updated_at) VALUES ('role', 'user', $1, $2)",
    [(profiles[0] as { id: string }).id, now],
  );
  const rates = databaseRates(db);
  const caller = { userId, role: "user" as const };

  const time = async (work: () => Promise<unknown>): Promise<number> => {
    const samples: number[] = [];
    for (let call = 0; call < CALLS; call++) {
      const started = performance.now();
      await work();
      samples.push(performance.now() - started);
    }
    return median(samples);
  };
  progress(`baseline: SELECT 1 × ${CALLS}`);
  const baselineMs = await time(() => db.query("SELECT 1"));
  progress(`lookups × ${CALLS}`);
  const limitsMs = await time(() => limitsFor(db, userId, DEFAULT_LIMITS));
  const quotasMs = await time(() => admitQuotas(db, rates, caller, new Date(), () => {}));
  const settingsMs = await time(() => readModelSettings(db, "local/bench"));
  const lookupsMs = limitsMs + quotasMs + settingsMs;

  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-bench-model-"));
  const model = await writeBenchModel(modelsDir);
  const engine = await openEngine(
    { modelsDir, threads: undefined, contextSize: 1024, requireLocalBuild: false },
    progress,
  );
  const languageModel = await engine.languageModel(model.id);
  const perToken: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    let tokens = 0;
    for await (const part of languageModel.doStream({
      prompt: [{ role: "user", content: [{ type: "text", text: "hello world" }] }],
      maxOutputTokens: GENERATED_TOKENS,
    })) {
      if (part.type === "finish") tokens = part.usage.outputTokens;
    }
    perToken.push((performance.now() - started) / Math.max(1, tokens));
  }
  await engine.close();
  await rm(modelsDir, { recursive: true, force: true });
  await db.close();

  const tokenMs = median(perToken);
  process.stdout.write(
    `${formatRows(
      [
        ["SELECT 1 (baseline)", `${baselineMs.toFixed(3)} ms`, "median of one query on PGlite"],
        ["the caller's limits", `${limitsMs.toFixed(3)} ms`, "their overrides (one indexed read)"],
        [
          "the rate-limit profile",
          `${quotasMs.toFixed(3)} ms`,
          "the profile, its token use (a sum over the ledger) and two GCRA writes",
        ],
        ["the model's settings", `${settingsMs.toFixed(3)} ms`, "one indexed read"],
        [
          "lookups per model call",
          `${lookupsMs.toFixed(3)} ms`,
          `the three above: ${(lookupsMs / baselineMs).toFixed(1)} × the baseline`,
        ],
        [
          "one generated token",
          `${tokenMs.toFixed(2)} ms`,
          `the bench model, median of 3 × ${GENERATED_TOKENS} tokens`,
        ],
        [
          "lookups ÷ one token",
          (lookupsMs / tokenMs).toFixed(3),
          "what the reads cost next to generating a single token",
        ],
      ],
      { header: false },
    )}\n`,
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
