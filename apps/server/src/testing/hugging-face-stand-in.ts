/**
 * A stand-in for the Hugging Face Hub, speaking the part of its protocol that model downloads use:
 * `GET /v2/<user>/<repo>/manifests/<tag>` (the llama.cpp manifest: `ggufFile.rfilename`) and
 * `GET|HEAD /<user>/<repo>/resolve/<branch>/<file>`. As the Hub does for LFS files (every GGUF), the
 * resolve URL of a `.gguf` answers 302 to its storage with the object's sha256 in `X-Linked-Etag` and
 * its size in `X-Linked-Size`; the storage serves byte ranges. Other files are served at the resolve
 * URL itself. Files are served from memory; a test can slow the bytes down, cut one response off
 * partway, publish a sha256 other than the bytes', and see every request.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HuggingFaceStandIn {
  /** The endpoint, with its trailing slash (what `models.huggingFaceEndpoint` takes). */
  url: string;
  /**
   * `user/repo` → its files by name, which file each tag names, and a sha256 to publish for a file
   * instead of its bytes' (as a tampered or corrupted store would serve them).
   */
  repos: Map<
    string,
    { files: Map<string, Uint8Array>; tags: Map<string, string>; published?: Map<string, string> | undefined }
  >;
  /** Every request, as `METHOD path range`. */
  requests: string[];
  /** The requests that carried an Authorization header, as `METHOD path`. */
  authorized: string[];
  /** Bytes per second of every body (undefined: as fast as the socket takes them). */
  bytesPerSecond: number | undefined;
  /** Cuts off the next ranged body after this many bytes (once). */
  cutNextAfter: number | undefined;
  close(): Promise<void>;
}

const SLICE = 64 * 1024;

export async function startHuggingFaceStandIn(): Promise<HuggingFaceStandIn> {
  const standIn: HuggingFaceStandIn = {
    url: "",
    repos: new Map(),
    requests: [],
    authorized: [],
    bytesPerSecond: undefined,
    cutNextAfter: undefined,
    close: async () => {},
  };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    standIn.requests.push(`${request.method} ${path} ${request.headers.range ?? ""}`.trim());
    if (request.headers.authorization !== undefined) standIn.authorized.push(`${request.method} ${path}`);
    const manifest = /^\/v2\/([^/]+)\/([^/]+)\/manifests\/([^/]+)$/.exec(path);
    if (manifest) {
      const repo = standIn.repos.get(`${manifest[1]}/${manifest[2]}`);
      const file = repo?.tags.get((manifest[3] as string).toUpperCase()) ?? repo?.tags.get(manifest[3] as string);
      if (repo === undefined || file === undefined) return notFound(response);
      response.setHeader("content-type", "application/json");
      return response.end(JSON.stringify({ ggufFile: { rfilename: file, size: repo.files.get(file)?.length } }));
    }
    const resolve = /^\/([^/]+)\/([^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
    const stored = /^\/lfs-store\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    const [, user, name, file] = (resolve ?? stored ?? []) as [string?, string?, string?, string?];
    const repo = standIn.repos.get(`${user}/${name}`);
    const data = file === undefined ? undefined : repo?.files.get(file);
    if (data === undefined || file === undefined) return notFound(response);
    if (resolve && file.endsWith(".gguf")) {
      const sha256 = repo?.published?.get(file) ?? createHash("sha256").update(data).digest("hex");
      response.statusCode = 302;
      response.setHeader("x-linked-etag", `"${sha256}"`);
      response.setHeader("x-linked-size", data.length);
      response.setHeader("location", `/lfs-store/${user}/${name}/${file}`);
      return response.end();
    }
    serveBytes(standIn, request, response, data);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  standIn.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}

function serveBytes(standIn: HuggingFaceStandIn, request: IncomingMessage, response: ServerResponse, data: Uint8Array) {
  let start = 0;
  let end = data.length - 1;
  const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
  response.setHeader("accept-ranges", "bytes");
  response.setHeader("etag", `"${data.length}"`);
  if (range) {
    start = Number(range[1]);
    if (range[2]) end = Math.min(Number(range[2]), data.length - 1);
    response.statusCode = 206;
    response.setHeader("content-range", `bytes ${start}-${end}/${data.length}`);
  }
  response.setHeader("content-length", end - start + 1);
  if (request.method === "HEAD") return response.end();
  const body = data.subarray(start, end + 1);
  let cutAt: number | undefined;
  if (range && standIn.cutNextAfter !== undefined && body.length > standIn.cutNextAfter) {
    cutAt = standIn.cutNextAfter;
    standIn.cutNextAfter = undefined;
  }
  let offset = 0;
  let isClosed = false;
  response.on("close", () => {
    isClosed = true;
  });
  const next = () => {
    if (isClosed) return;
    if (cutAt !== undefined && offset >= cutAt) {
      response.destroy();
      return;
    }
    if (offset >= body.length) {
      response.end();
      return;
    }
    const slice = body.subarray(offset, Math.min(offset + SLICE, body.length, cutAt ?? body.length));
    offset += slice.length;
    const rate = standIn.bytesPerSecond;
    const canWrite = response.write(slice);
    const wait = rate === undefined ? 0 : (slice.length / rate) * 1000;
    if (wait > 0) setTimeout(next, wait);
    else if (canWrite) setImmediate(next);
    else response.once("drain", next);
  };
  next();
}

function notFound(response: ServerResponse) {
  response.statusCode = 404;
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ error: "Repository not found" }));
}
