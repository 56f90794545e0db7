// Runs the calling script under a supported Node.js. Hearth needs Node >= 22.12 (Node 20 is
// end-of-life since 2026-04-30 and our libraries' current majors need 22). Where the machine's Node
// is older, this fetches Node 24 from the npm registry (the `node-<platform>-<arch>` packages carry
// the official binaries and headers) into `.cache/node` inside the checkout, once, and re-runs the
// script under it with its `bin` first on PATH, so npm, npx, tsx, vitest and native builds all use
// it too. Uses only Node's standard library: it runs before anything is installed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const minimum = [22, 12];
const wantedMajor = readFileSync(join(root, ".nvmrc"), "utf8").trim();
const cacheDir = join(root, ".cache", "node");

const isSupported = (version) => {
  const [major, minor] = version.split(".").map(Number);
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
};

/** The platform package of the registry's Node builds for this machine, as the `node` package names them. */
function platformPackage() {
  const platform = process.platform === "win32" ? "win" : process.platform;
  return `node-${platform}-${process.arch}`;
}

function cachedNodeBinary() {
  return process.platform === "win32" ? join(cacheDir, "bin", "node.exe") : join(cacheDir, "bin", "node");
}

function installNode() {
  const spec = `${platformPackage()}@${wantedMajor}`;
  mkdirSync(dirname(cacheDir), { recursive: true });
  const work = mkdtempSync(join(dirname(cacheDir), "node-download-"));
  try {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const pack = spawnSync(npm, ["pack", spec, "--silent", "--pack-destination", work], {
      cwd: work,
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      shell: process.platform === "win32",
    });
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (pack.status !== 0 || !tarball) throw new Error(`npm pack ${spec} failed (exit ${pack.status})`);
    const untar = spawnSync("tar", ["-xzf", tarball], { cwd: work, stdio: "inherit" });
    if (untar.status !== 0) throw new Error(`could not unpack ${tarball}`);
    rmSync(cacheDir, { recursive: true, force: true });
    // Appears whole or not at all: a cut download never leaves a half-unpacked Node in the cache.
    renameSync(join(work, "package"), cacheDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function cachedNodeVersion() {
  if (!existsSync(cachedNodeBinary())) return undefined;
  const result = spawnSync(cachedNodeBinary(), ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim().replace(/^v/, "") : undefined;
}

/**
 * The folder of a supported Node's binary: undefined when this process's Node is supported, else the
 * cached Node 24's `bin`, fetched first if missing.
 */
export function supportedNodeBinDir() {
  if (isSupported(process.versions.node)) return undefined;
  let version = cachedNodeVersion();
  if (!version?.startsWith(`${wantedMajor}.`)) {
    console.error(
      `Node ${process.versions.node} is too old for Hearth (needs >= ${minimum.join(".")}): fetching Node ${wantedMajor} from the npm registry into .cache/node…`,
    );
    installNode();
    version = cachedNodeVersion();
    if (!version) throw new Error("the fetched Node does not run on this machine");
  }
  console.error(`Using Node ${version} from .cache/node (this machine's Node is ${process.versions.node}).`);
  return dirname(cachedNodeBinary());
}

/**
 * Returns when this process already runs on a supported Node. Otherwise runs this same script under
 * the cached Node 24 (fetching it first) and exits with its status; it never returns then.
 */
export async function useSupportedNode() {
  const binDir = supportedNodeBinDir();
  if (binDir === undefined) return;
  const separator = process.platform === "win32" ? ";" : ":";
  const env = {
    ...process.env,
    PATH: `${binDir}${separator}${process.env.PATH ?? ""}`,
    // Native addons built by npm (node-gyp) and llama.cpp's build use this Node's own headers.
    npm_config_nodedir: cacheDir,
  };
  const child = spawn(cachedNodeBinary(), [...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit", env });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  const [code, signal] = await new Promise((resolve) => child.on("exit", (...outcome) => resolve(outcome)));
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}

// `node scripts/supported-node.mjs` prints the folder to put first on PATH (nothing when this Node will do).
if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(supportedNodeBinDir() ?? "");
