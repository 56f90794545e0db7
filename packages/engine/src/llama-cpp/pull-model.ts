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
  const digests = await publishedSha256(options, downloader.filesInfo.length);
  return {
    fileName: downloader.entrypointFilename,
    files: downloader.filesInfo.map((file, index) => ({
      name: file.fileName,
      sizeBytes: file.totalSize,
      sha256: digests[index],
    })),
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
  const response = await request(url, "GET", options, { Range: "bytes=0-0" });
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
  const hf = parseHuggingFace(source, endpoint);
  if (hf === undefined) return source;
  return hf.file === undefined ? hf.manifestUrl : hf.fileUrl(hf.file);
}

/** An `hf:` source's parts: a file (with its URL) or a tag (with its manifest's URL). */
function parseHuggingFace(source: string, endpoint: string) {
  const base = endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
  const hf = /^hf:([^/]+)\/([^/:#]+)(?::([^/#]+)|\/([^#]+?)(?:#(.+))?)?$/.exec(source);
  if (hf === null) return undefined;
  const [, user, repo, tag, file, branch] = hf as unknown as [string, string, string, string?, string?, string?];
  const at = `${encodeURIComponent(user)}/${encodeURIComponent(repo)}`;
  return {
    file,
    manifestUrl: `${base}v2/${at}/manifests/${encodeURIComponent(tag ?? "latest")}`,
    fileUrl: (path: string) =>
      `${base}${at}/resolve/${encodeURIComponent(branch ?? "main")}/${path.split("/").map(encodeURIComponent).join("/")}`,
  };
}

/**
 * The sha256 the source publishes for each of `fileCount` files, where it publishes one. Hugging Face
 * answers a file's resolve URL with a redirect to its storage whose `X-Linked-Etag` is the sha256 of
 * the LFS object (every GGUF there is one); its mirrors answer alike. Other servers, and files whose
 * parts cannot be told from the first one's URL, give none: only their sizes are checked then.
 */
async function publishedSha256(options: PullOptions, fileCount: number): Promise<(string | undefined)[]> {
  const endpoint = options.huggingFaceEndpoint ?? DEFAULT_ENDPOINT;
  const hf = parseHuggingFace(options.source, endpoint);
  const first =
    hf === undefined ? options.source : hf.fileUrl(hf.file ?? (await manifestFile(hf.manifestUrl, options)));
  const urls = fileCount === 1 ? [first] : splitPartUrls(first, fileCount);
  if (urls === undefined) return [];
  return Promise.all(urls.map((url) => linkedSha256(url, options)));
}

/** The file a tag's manifest names (llama.cpp's `ggufFile.rfilename`). */
async function manifestFile(url: string, options: PullOptions): Promise<string> {
  const response = await request(url, "GET", options);
  const manifest = (await response.json().catch(() => undefined)) as { ggufFile?: { rfilename?: unknown } } | undefined;
  const file = manifest?.ggufFile?.rfilename;
  if (typeof file !== "string" || file === "") throw new PullSourceError(`${url} names no GGUF file`);
  return file;
}

/** The URLs of a split model's parts (`-00001-of-00003.gguf`), from its first part's. */
function splitPartUrls(first: string, count: number): string[] | undefined {
  const split = /-00001-of-(\d{5})\.gguf$/i.exec(first);
  if (split === null || Number(split[1]) !== count) return undefined;
  return Array.from({ length: count }, (_, index) =>
    first.replace(
      /-00001-of-(\d{5})\.gguf$/i,
      (_match, total: string) => `-${String(index + 1).padStart(5, "0")}-of-${total}.gguf`,
    ),
  );
}

/** A file's `X-Linked-Etag` (the redirect is not followed: its target does not carry it), if it is a sha256. */
async function linkedSha256(url: string, options: PullOptions): Promise<string | undefined> {
  const response = await request(url, "HEAD", options);
  await response.body?.cancel();
  const etag = response.headers.get("x-linked-etag")?.replace(/^W\//, "").replaceAll('"', "").toLowerCase();
  return etag !== undefined && /^[0-9a-f]{64}$/.test(etag) ? etag : undefined;
}

/**
 * One request to the source, with a time limit, and the token where it goes to the Hugging Face
 * endpoint (never to another server an http(s) source names); a PullSourceError where it cannot be
 * reached. A HEAD does not follow a redirect (what the redirect says is what it is for).
 */
async function request(
  url: string,
  method: "GET" | "HEAD",
  options: PullOptions,
  headers: Record<string, string> = {},
): Promise<Response> {
  const signal = AbortSignal.any([AbortSignal.timeout(CHECK_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])]);
  try {
    const response = await fetch(url, {
      method,
      redirect: method === "HEAD" ? "manual" : "follow",
      headers: {
        ...headers,
        // Hugging Face answers a manifest with its `ggufFile` to llama.cpp's user agent only.
        "User-Agent": "llama-cpp",
        ...(options.huggingFaceToken && isHub(url, options)
          ? { Authorization: `Bearer ${options.huggingFaceToken}` }
          : {}),
      },
      signal,
    });
    return response;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PullSourceError(`${url} cannot be reached (${cause?.code ?? cause?.message ?? describe(error)})`);
  }
}

/** Whether `url` is on the Hugging Face endpoint the pull resolves `hf:` sources at. */
function isHub(url: string, options: PullOptions): boolean {
  return URL.parse(url)?.origin === URL.parse(options.huggingFaceEndpoint ?? DEFAULT_ENDPOINT)?.origin;
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
