/**
 * @module Downloads a GGUF model with node-llama-cpp's downloader (ipull underneath: parallel ranged
 * requests, retries after a cut connection, and progress kept beside the file so a later download
 * into the same dir resumes), from `hf:user/repo/file.gguf`, `hf:user/repo:QUANT` or an http(s)
 * URL. Split models (`-00001-of-00003.gguf`) come as all their parts. The download goes into a
 * staging dir: the caller checks it and moves it where models are listed.
 */
import { createModelDownloader, type ModelDownloader } from "node-llama-cpp";
import type { PreparedPull, PullProgress } from "../spec/model-pull.ts";

export interface PullOptions {
  source: string;
  stagingDir: string;
  /** The file name to store it as (ending in .gguf); by default the source's own. */
  fileName?: string;
  /** Where `hf:` sources are resolved: Hugging Face, a mirror, or a local server (default https://huggingface.co/). */
  huggingFaceEndpoint?: string;
  /** A Hugging Face token, for gated models. */
  huggingFaceToken?: string;
  signal?: AbortSignal;
}

/** A source the downloader refused, with why: a 404, a bad URL, a file that is not GGUF. */
export class PullSourceError extends Error {}

/** Resolves the source (the manifest of an `hf:` tag, the size of each file) without downloading it. */
export async function preparePull(options: PullOptions): Promise<PreparedPull> {
  // The downloader retries an unreachable source 150 times and cannot be stopped meanwhile: one
  // request first says whether it is there at all.
  await checkSource(options);
  const create = (fileName?: string) =>
    createModelDownloader({
      modelUri: options.source,
      dirPath: options.stagingDir,
      ...(fileName ? { fileName } : {}),
      deleteTempFileOnCancel: false,
      skipExisting: true,
      parallelDownloads: 2,
      ...(options.huggingFaceEndpoint ? { endpoints: { huggingFace: options.huggingFaceEndpoint } } : {}),
      ...(options.huggingFaceToken ? { tokens: { huggingFace: options.huggingFaceToken } } : {}),
    }).catch((error: unknown) => {
      throw new PullSourceError(describe(error));
    });
  let downloader = await create(options.fileName);
  // node-llama-cpp names an hf: file hf_<user>_<file>; the file's own name reads better.
  const ownName = options.fileName ?? shorterName(options.source, downloader.entrypointFilename);
  if (ownName !== downloader.entrypointFilename) downloader = await create(ownName);
  // Where the file could not be found the downloader may still resolve, knowing no size.
  if (downloader.totalSize <= 0) {
    throw new PullSourceError("the source answered no file, or did not say how large it is");
  }
  if (!downloader.entrypointFilename.toLowerCase().endsWith(".gguf")) {
    throw new PullSourceError(`${downloader.entrypointFilename} is not a GGUF file (its name must end in .gguf)`);
  }
  return {
    fileName: downloader.entrypointFilename,
    files: downloader.filesInfo.map((file) => ({ name: file.fileName, sizeBytes: file.totalSize })),
    totalBytes: downloader.totalSize,
    download: (run) => download(downloader, run),
  };
}

async function download(
  downloader: ModelDownloader,
  { signal, onProgress }: { signal: AbortSignal; onProgress: (progress: PullProgress) => void },
): Promise<void> {
  // The rate over the last seconds, from the bytes themselves: ipull's own average starts far off.
  const samples: { at: number; bytes: number }[] = [];
  const report = () => {
    const now = performance.now();
    const done = downloader.downloadedSize;
    samples.push({ at: now, bytes: done });
    while (samples.length > 2 && now - (samples[0] as { at: number }).at > RATE_WINDOW_MS) samples.shift();
    const oldest = samples[0] as { at: number; bytes: number };
    const seconds = (now - oldest.at) / 1000;
    const rate = seconds >= 0.5 ? Math.max(0, Math.round((done - oldest.bytes) / seconds)) : 0;
    onProgress({
      downloadedBytes: done,
      totalBytes: downloader.totalSize,
      bytesPerSecond: rate,
      etaSeconds: rate > 0 ? Math.ceil((downloader.totalSize - done) / rate) : undefined,
    });
  };
  const timer = setInterval(report, 250);
  try {
    report();
    await downloader.download({ signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new PullSourceError(describe(error));
  } finally {
    clearInterval(timer);
  }
  // ipull ends a cancelled download without an error.
  if (signal.aborted) throw signal.reason;
  report();
}

const CHECK_TIMEOUT_MS = 15_000;
/** The rate shown is the average over this long. */
const RATE_WINDOW_MS = 5_000;
const DEFAULT_ENDPOINT = "https://huggingface.co/";

/** One request for the source's first byte (an `hf:` tag: its manifest); a PullSourceError unless it answers 2xx. */
async function checkSource(options: PullOptions): Promise<void> {
  const url = checkUrl(options.source, options.huggingFaceEndpoint ?? DEFAULT_ENDPOINT);
  const signal = AbortSignal.any([AbortSignal.timeout(CHECK_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])]);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        Range: "bytes=0-0",
        // Hugging Face answers a manifest with its `ggufFile` to llama.cpp's user agent only.
        "User-Agent": "llama-cpp",
        ...(options.huggingFaceToken ? { Authorization: `Bearer ${options.huggingFaceToken}` } : {}),
      },
      signal,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PullSourceError(`${url} cannot be reached (${cause?.code ?? cause?.message ?? describe(error)})`);
  }
  await response.body?.cancel();
  if (response.status === 404) throw new PullSourceError(`${url} answered 404: no such model or file`);
  if (response.status === 401 || response.status === 403) {
    throw new PullSourceError(
      `${url} answered ${response.status}: the model is gated or private (models.huggingFaceToken)`,
    );
  }
  if (!response.ok) throw new PullSourceError(`${url} answered ${response.status} ${response.statusText}`);
}

/** The URL that says whether a source exists: an http(s) source itself, or its Hugging Face manifest or file. */
function checkUrl(source: string, endpoint: string): string {
  const base = endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
  const hf = /^hf:([^/]+)\/([^/:#]+)(?::([^/#]+)|\/([^#]+?)(?:#(.+))?)?$/.exec(source);
  if (hf === null) return source;
  const [, user, repo, tag, file, branch] = hf as unknown as [string, string, string, string?, string?, string?];
  const at = `${encodeURIComponent(user)}/${encodeURIComponent(repo)}`;
  if (file === undefined) return `${base}v2/${at}/manifests/${encodeURIComponent(tag ?? "latest")}`;
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${base}${at}/resolve/${encodeURIComponent(branch ?? "main")}/${path}`;
}

function shorterName(source: string, fileName: string): string {
  const match = /^hf:([^/]+)\//.exec(source);
  if (match === null) return fileName;
  const prefix = `hf_${match[1]}_`;
  return fileName.startsWith(prefix) && fileName.length > prefix.length ? fileName.slice(prefix.length) : fileName;
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
