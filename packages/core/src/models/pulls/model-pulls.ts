/**
 * @module Admins pull GGUF models into this node's models dir. A pull is a row (model_pulls) and a
 * download into `<modelsDir>/.pulls/<id>/`, which nothing lists as a model. The node downloading
 * writes its progress to the row twice a second and renews its lease there; a cancel (from any node)
 * is the row changing under it. Once every byte is there the sizes, and the sha256 where one was
 * given, are checked, and each file is linked into the models dir (a link fails where a file of that
 * name exists: nothing is ever overwritten) before the staging dir goes. A pull that fails or is
 * cancelled leaves nothing behind. A node that starts takes up the pulls whose lease ran out and
 * resumes them from what their staging dir holds.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { link, mkdir, readdir, rm, rmdir, stat, statfs, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Database, Queryable } from "@hearth/db";
import type { PreparedPull, PullProgress } from "@hearth/engine/spec";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { reasonOf } from "../../openai-api/prepare-completion.ts";
import { fail, ok, type Result } from "../../problems.ts";
import { checkProviderUrl } from "../../providers/provider-url.ts";
import { type ModelsProblem, modelsProblems } from "./problems.ts";

/** The staging dirs, inside the models dir (the same file system, so a link into it is atomic). */
const STAGING_DIR = ".pulls";
const PROGRESS_WRITE_MS = 500;
const PREPARE_TIMEOUT_MS = 30_000;

type PreparePull = (options: {
  source: string;
  stagingDir: string;
  fileName?: string;
  signal: AbortSignal;
}) => Promise<PreparedPull>;

export type PullStatus = "downloading" | "verifying" | "done" | "failed" | "cancelled";

export interface ModelPull {
  id: string;
  source: string;
  fileName: string;
  /** The model it becomes: `local/<file name without .gguf>`. */
  modelId: string;
  status: PullStatus;
  totalBytes: number;
  downloadedBytes: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  sha256: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ModelPullsOptions {
  modelsDir: string;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  prepare: PreparePull;
  /** The most the models dir may hold, in bytes. */
  maxTotalBytes?: number | undefined;
  leaseMs?: number;
  /** Told when a pull has put a model in the models dir (the model list is read again). */
  onModelAdded?: () => void;
}

interface PullRow {
  id: string;
  source: string;
  file_name: string;
  files: { name: string; sizeBytes: number }[];
  sha256: string | null;
  status: PullStatus;
  total_bytes: string | number;
  downloaded_bytes: string | number;
  bytes_per_second: string | number;
  eta_seconds: number | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const COLUMNS =
  "id, source, file_name, files, sha256, status, total_bytes, downloaded_bytes, bytes_per_second, eta_seconds, error, created_at, finished_at";
const RUNNING = "('downloading', 'verifying')";

export class ModelPulls {
  readonly #options: ModelPullsOptions;
  readonly #leaseMs: number;
  /** The pulls downloading in this process, to abort at once on a cancel here or on close. */
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(options: ModelPullsOptions) {
    this.#options = options;
    this.#leaseMs = options.leaseMs ?? 30_000;
  }

  /** Resolves the source, checks there is room and no such model, and starts downloading. */
  async start(
    db: Database,
    request: { source: string; fileName?: string | undefined; sha256?: string | undefined; userId: string },
  ): Promise<Result<ModelPull, ModelsProblem>> {
    if (/^https?:/.test(request.source)) {
      // Not the cloud metadata service or link-local addresses, as for providers (provider-url.ts).
      const check = await checkProviderUrl(new URL(request.source).origin);
      if (!check.ok) return fail(modelsProblems.sourceUnavailable(request.source, check.reason));
    }
    const id = randomUUID();
    const stagingDir = this.#stagingDir(id);
    let prepared: PreparedPull;
    try {
      await mkdir(stagingDir, { recursive: true });
      prepared = await this.#options.prepare({
        source: request.source,
        stagingDir,
        ...(request.fileName ? { fileName: request.fileName } : {}),
        signal: AbortSignal.timeout(PREPARE_TIMEOUT_MS),
      });
    } catch (error) {
      await this.#unstage(stagingDir);
      return fail(modelsProblems.sourceUnavailable(request.source, reasonOf(error)));
    }
    const refused = await this.#checkRoom(db, prepared);
    if (refused !== undefined) {
      await this.#unstage(stagingDir);
      return fail(refused);
    }
    const now = this.#options.clock.now();
    const inserted = await db.query<PullRow>(
      `INSERT INTO model_pulls (id, source, file_name, files, sha256, status, total_bytes, node_id, lease_until,
         created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'downloading', $6, $7, $8, $9, $10, $10)
       ON CONFLICT (file_name) WHERE status IN ('downloading', 'verifying') DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        id,
        request.source,
        prepared.fileName,
        JSON.stringify(prepared.files),
        request.sha256?.toLowerCase() ?? null,
        prepared.totalBytes,
        this.#options.nodeId,
        this.#leaseUntil(),
        request.userId,
        now,
      ],
    );
    const row = inserted.rows[0];
    if (row === undefined) {
      await this.#unstage(stagingDir);
      const running = await db.query<{ id: string }>(
        `SELECT id FROM model_pulls WHERE file_name = $1 AND status IN ${RUNNING}`,
        [prepared.fileName],
      );
      return fail(modelsProblems.inProgress(prepared.fileName, running.rows[0]?.id ?? "unknown"));
    }
    this.#run(db, row, prepared);
    return ok(present(row));
  }

  async list(db: Queryable, limit = 50): Promise<ModelPull[]> {
    const { rows } = await db.query<PullRow>(
      `SELECT ${COLUMNS} FROM model_pulls ORDER BY created_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map(present);
  }

  async get(db: Queryable, id: string): Promise<Result<ModelPull, ModelsProblem>> {
    const { rows } = await db.query<PullRow>(`SELECT ${COLUMNS} FROM model_pulls WHERE id = $1`, [id]);
    const row = rows[0];
    return row === undefined ? fail(modelsProblems.pullNotFound(id)) : ok(present(row));
  }

  /** Stops a running pull, wherever it runs: its node sees the row change within half a second. */
  async cancel(db: Queryable, id: string): Promise<Result<ModelPull, ModelsProblem>> {
    const now = this.#options.clock.now();
    const { rows } = await db.query<PullRow>(
      `UPDATE model_pulls SET status = 'cancelled', finished_at = $2, updated_at = $2, lease_until = NULL
       WHERE id = $1 AND status IN ${RUNNING} RETURNING ${COLUMNS}`,
      [id, now],
    );
    const row = rows[0];
    if (row === undefined) {
      const current = await this.get(db, id);
      if (!current.ok) return current;
      return fail(modelsProblems.pullFinished(id, current.value.status));
    }
    const running = this.#running.get(id);
    running?.controller.abort(new CancelledPull());
    await running?.done;
    return ok(present(row));
  }

  /** Takes up the pulls whose node stopped (their lease ran out; `all`: every one), resuming their downloads. */
  async resume(db: Database, { all }: { all: boolean }): Promise<number> {
    const now = this.#options.clock.now();
    const { rows } = await db.query<PullRow>(
      `UPDATE model_pulls SET node_id = $1, lease_until = $2, status = 'downloading', updated_at = $3
       WHERE id IN (
         SELECT id FROM model_pulls WHERE status IN ${RUNNING} AND ($4 OR lease_until IS NULL OR lease_until < $3)
         FOR UPDATE SKIP LOCKED
       ) RETURNING ${COLUMNS}`,
      [this.#options.nodeId, this.#leaseUntil(), now, all],
    );
    for (const row of rows) {
      this.#options.logger.info({ pull: row.id, fileName: row.file_name }, "resuming a model pull");
      const stagingDir = this.#stagingDir(row.id);
      const resumed = (async () => {
        await mkdir(stagingDir, { recursive: true });
        return this.#options.prepare({
          source: row.source,
          stagingDir,
          fileName: row.file_name,
          signal: AbortSignal.timeout(PREPARE_TIMEOUT_MS),
        });
      })();
      resumed.then(
        (prepared) => this.#run(db, row, prepared),
        (error: unknown) => void this.#end(db, row.id, "failed", `resuming failed: ${reasonOf(error)}`),
      );
    }
    return rows.length;
  }

  /** Stops this node's downloads, leaving them to resume (here after a restart, or on another node). */
  async close(): Promise<void> {
    const running = [...this.#running.values()];
    for (const { controller } of running) controller.abort(new StoppedPull());
    await Promise.all(running.map(({ done }) => done));
  }

  #run(db: Database, row: PullRow, prepared: PreparedPull): void {
    const controller = new AbortController();
    const done = this.#download(db, row, prepared, controller).finally(() => this.#running.delete(row.id));
    this.#running.set(row.id, { controller, done });
  }

  async #download(db: Database, row: PullRow, prepared: PreparedPull, controller: AbortController): Promise<void> {
    const { id } = row;
    let latest: PullProgress | undefined;
    let isWriting = false;
    const writeProgress = async () => {
      if (latest === undefined || isWriting) return;
      isWriting = true;
      try {
        const { rowCount } = await db.query(
          `UPDATE model_pulls SET downloaded_bytes = $2, bytes_per_second = $3, eta_seconds = $4, updated_at = $5,
             lease_until = $6
           WHERE id = $1 AND status = 'downloading' AND node_id = $7`,
          [
            id,
            latest.downloadedBytes,
            latest.bytesPerSecond,
            latest.etaSeconds ?? null,
            this.#options.clock.now(),
            this.#leaseUntil(),
            this.#options.nodeId,
          ],
        );
        // Cancelled (on any node), or taken over by another node after this one stalled.
        if (rowCount === 0) controller.abort(new CancelledPull());
      } catch (error) {
        this.#options.logger.warn({ err: error, pull: id }, "writing a model pull's progress failed");
      } finally {
        isWriting = false;
      }
    };
    const timer = setInterval(() => void writeProgress(), PROGRESS_WRITE_MS);
    try {
      await prepared.download({
        signal: controller.signal,
        onProgress: (progress) => {
          latest = progress;
        },
      });
      clearInterval(timer);
      await writeProgress();
      if (controller.signal.aborted) throw controller.signal.reason;
      await this.#finish(db, row, prepared);
    } catch (error) {
      clearInterval(timer);
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      // Stopping the node: the pull stays downloading, its lease runs out, and a node resumes it.
      if (reason instanceof StoppedPull) return;
      await this.#unstage(this.#stagingDir(id));
      if (reason instanceof CancelledPull) return;
      this.#options.logger.warn({ err: error, pull: id, source: row.source }, "a model pull failed");
      await this.#end(db, id, "failed", reasonOf(error));
    }
  }

  /** Checks what was downloaded and moves it into the models dir, never over a file there. */
  async #finish(db: Database, row: PullRow, prepared: PreparedPull): Promise<void> {
    const stagingDir = this.#stagingDir(row.id);
    await db.query("UPDATE model_pulls SET status = 'verifying', updated_at = $2 WHERE id = $1", [
      row.id,
      this.#options.clock.now(),
    ]);
    for (const file of prepared.files) {
      const size = (await stat(join(stagingDir, file.name))).size;
      if (file.sizeBytes > 0 && size !== file.sizeBytes) {
        throw new Error(`${file.name} has ${size} bytes where the source said ${file.sizeBytes}`);
      }
    }
    if (row.sha256 !== null && prepared.files.length !== 1) {
      throw new Error("a sha256 can only be checked for a model of one file");
    }
    // Each file against the sha256 its source publishes, and the one given against the only file.
    let verified: string | undefined;
    for (const file of prepared.files) {
      const expected = prepared.files.length === 1 ? (row.sha256 ?? file.sha256) : file.sha256;
      if (expected === undefined) continue;
      const actual = await sha256File(join(stagingDir, file.name));
      if (file.sha256 !== undefined && actual !== file.sha256) {
        throw new Error(`${file.name}'s sha256 is ${actual}, not ${file.sha256} as its source publishes`);
      }
      if (actual !== expected) throw new Error(`the file's sha256 is ${actual}, not ${expected} as expected`);
      verified = actual;
    }
    if (row.sha256 === null && prepared.files.length === 1 && verified !== undefined) {
      await db.query("UPDATE model_pulls SET sha256 = $2 WHERE id = $1", [row.id, verified]);
    }
    const linked: string[] = [];
    try {
      for (const file of prepared.files) {
        const target = join(this.#options.modelsDir, file.name);
        await link(join(stagingDir, file.name), target).catch((error: NodeJS.ErrnoException) => {
          throw error.code === "EEXIST" ? new Error(`a file named ${file.name} appeared in the models dir`) : error;
        });
        linked.push(target);
      }
    } catch (error) {
      await Promise.all(linked.map((path) => unlink(path).catch(() => {})));
      throw error;
    }
    await this.#unstage(stagingDir);
    await this.#end(db, row.id, "done", null, row.total_bytes);
    this.#options.onModelAdded?.();
  }

  async #end(
    db: Queryable,
    id: string,
    status: PullStatus,
    error: string | null,
    downloaded?: string | number,
  ): Promise<void> {
    const now = this.#options.clock.now();
    await db
      .query(
        `UPDATE model_pulls SET status = $2, error = $3, finished_at = $4, updated_at = $4, lease_until = NULL,
           bytes_per_second = 0, eta_seconds = NULL, downloaded_bytes = COALESCE($5, downloaded_bytes)
         WHERE id = $1 AND status IN ${RUNNING}`,
        [id, status, error, now, downloaded ?? null],
      )
      .catch((failure: unknown) =>
        this.#options.logger.warn({ err: failure, pull: id }, "storing how a model pull ended failed"),
      );
  }

  async #checkRoom(db: Queryable, prepared: PreparedPull): Promise<ModelsProblem | undefined> {
    const { modelsDir, maxTotalBytes } = this.#options;
    for (const file of prepared.files) {
      const exists = await stat(join(modelsDir, file.name)).then(
        () => true,
        () => false,
      );
      if (exists) return modelsProblems.exists(file.name);
    }
    const running = await db.query<{ id: string }>(
      `SELECT id FROM model_pulls WHERE file_name = $1 AND status IN ${RUNNING}`,
      [prepared.fileName],
    );
    if (running.rows[0] !== undefined) return modelsProblems.inProgress(prepared.fileName, running.rows[0].id);
    const needed = prepared.totalBytes;
    const disk = await statfs(modelsDir);
    const free = Number(disk.bavail) * Number(disk.bsize);
    if (needed > free) return modelsProblems.notEnoughSpace(needed, free, "the disk of the models dir");
    if (maxTotalBytes !== undefined) {
      const held = await dirBytes(modelsDir);
      if (held + needed > maxTotalBytes) {
        return modelsProblems.notEnoughSpace(needed, Math.max(0, maxTotalBytes - held), "models.maxTotalBytes");
      }
    }
    return undefined;
  }

  /** Deletes a pull's staging dir, and the dir of staging dirs once none is left. */
  async #unstage(stagingDir: string): Promise<void> {
    await rm(stagingDir, { recursive: true, force: true });
    await rmdir(join(this.#options.modelsDir, STAGING_DIR)).catch(() => {});
  }

  #stagingDir(id: string): string {
    return join(this.#options.modelsDir, STAGING_DIR, id);
  }

  #leaseUntil(): Date {
    return new Date(this.#options.clock.now().getTime() + this.#leaseMs);
  }
}

class CancelledPull extends Error {}
class StoppedPull extends Error {}

/** Bytes held in the models dir and its staging dirs (the pulls under way count). */
async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function present(row: PullRow): ModelPull {
  return {
    id: row.id,
    source: row.source,
    fileName: row.file_name,
    modelId: `local/${row.file_name.replace(/\.gguf$/i, "")}`,
    status: row.status,
    totalBytes: Number(row.total_bytes),
    downloadedBytes: Number(row.downloaded_bytes),
    bytesPerSecond: Number(row.bytes_per_second),
    etaSeconds: row.eta_seconds,
    sha256: row.sha256,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
