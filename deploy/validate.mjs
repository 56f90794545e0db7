// Checks what the deployment files and guides say against the code, offline, for a machine without
// docker, helm or kubeconform (docs/README.md says what else to run where those exist):
//   - every YAML file in deploy/ (Helm templates aside) parses;
//   - every HEARTH_* variable named in deploy/ and docs/ is a setting the server reads (its --help
//     lists them), a variable the code reads itself, or one that compose.yaml interpolates;
//   - every .Values path a Helm template reads is in values.yaml;
//   - each Dockerfile copies the package.json of every workspace package (npm ci needs them all).
// Run from the repository root after npm install: node deploy/validate.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";
import { parse, parseAllDocuments } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const problems = [];
const read = (path) => readFileSync(join(root, path), "utf8");

function listFiles(dir) {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (["screenshots", "node_modules", "dist"].includes(name)) return [];
    return statSync(join(root, path)).isDirectory() ? listFiles(path) : [path];
  });
}
const deployFiles = listFiles("deploy");
const docFiles = listFiles("docs").filter((path) => path.endsWith(".md"));

// YAML that is YAML (a Helm template is not, until rendered).
for (const path of deployFiles.filter((file) => /\.ya?ml$/.test(file) && !file.includes("/templates/"))) {
  for (const document of parseAllDocuments(read(path))) {
    for (const error of document.errors) problems.push(`${path}: ${error.message}`);
  }
}

// Variables.
const { loadConfig } = await tsImport("../apps/server/src/config.ts", import.meta.url);
const help = loadConfig({ argv: ["--help"], env: {}, cwd: root });
const settings = new Set(help.text.match(/\bHEARTH_[A-Z0-9_]+/g));
const sources = [...listFiles("apps"), ...listFiles("packages")].filter((path) => /\.(ts|mjs|js)$/.test(path));
const readByCode = new Set(sources.flatMap((path) => read(path).match(/\bHEARTH_[A-Z0-9_]+/g) ?? []));
const interpolated = new Set(
  [...read("deploy/compose/compose.yaml").matchAll(/\$\{(HEARTH_[A-Z0-9_]+)/g)].map((m) => m[1]),
);
for (const path of [...deployFiles, ...docFiles]) {
  if (path.endsWith("validate.mjs")) continue;
  for (const name of new Set(read(path).match(/\bHEARTH_[A-Z0-9_]+/g) ?? [])) {
    if (settings.has(name) || readByCode.has(name) || interpolated.has(name)) continue;
    problems.push(`${path}: ${name} is no setting (npm start -- --help), nor read by the code or compose.yaml`);
  }
}

// Helm: the values the templates read exist.
const chart = "deploy/helm/hearth";
const values = parse(read(`${chart}/values.yaml`));
for (const path of deployFiles.filter((file) => file.startsWith(`${chart}/templates/`))) {
  for (const [, valuePath] of read(path).matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)) {
    let node = values;
    for (const key of valuePath.slice(1).split(".")) {
      if (node === null || typeof node !== "object" || !(key in node)) {
        problems.push(`${path}: .Values${valuePath} is not in values.yaml`);
        break;
      }
      node = node[key];
    }
  }
}

// Dockerfiles: one COPY of each workspace package's manifest.
const workspaces = ["apps", "packages"].flatMap((dir) =>
  readdirSync(join(root, dir))
    .map((name) => `${dir}/${name}/package.json`)
    .filter((path) => statSync(join(root, path), { throwIfNoEntry: false })),
);
for (const dockerfile of deployFiles.filter(
  (file) => /\/Dockerfile[^/]*$/.test(file) && !file.endsWith(".dockerignore"),
)) {
  const text = read(dockerfile);
  for (const manifest of workspaces) {
    if (!text.includes(`COPY ${manifest} `)) problems.push(`${dockerfile}: no "COPY ${manifest} …" before npm ci`);
  }
}

const checked = `${deployFiles.length + docFiles.length} files in deploy/ and docs/`;
if (problems.length > 0) {
  console.error(`${problems.length} problem(s) in ${checked}:\n${problems.map((line) => `  - ${line}`).join("\n")}`);
  process.exit(1);
}
console.log(`deploy/validate.mjs: ${checked} agree with the code.`);
