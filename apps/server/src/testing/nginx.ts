import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "@hearth/db/testing";

const NGINX = process.env.NGINX ?? "/usr/sbin/nginx";

/** Whether tests can start Debian's nginx (CI installs it and must not skip). */
export function hasNginx(): boolean {
  return spawnSync(NGINX, ["-v"], { stdio: "ignore" }).status === 0;
}

export interface TestNginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx on a free loopback port, balancing round-robin over `upstreams` (host:port), set up as
 * docs/reverse-proxy.md tells operators to: no buffering for event streams, long read timeouts,
 * X-Forwarded-For, and a request a node refused while draining (503, nothing done) or could not take
 * (connection refused) sent to the next node.
 */
export async function startNginx(upstreams: readonly string[]): Promise<TestNginx> {
  const dir = await mkdtemp(join(tmpdir(), "hearth-nginx-"));
  const port = await freePort();
  for (const temp of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) await mkdir(join(dir, temp));
  const isRoot = process.getuid?.() === 0;
  const config = `
${isRoot ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream hearth {
${upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=5s;`).join("\n")}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 2m;
    location / {
      proxy_pass http://hearth;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout http_503;
    }
  }
}
`;
  const file = join(dir, "nginx.conf");
  await writeFile(file, config);
  const child: ChildProcess = spawn(NGINX, ["-p", dir, "-c", file], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await waitForPort(port, child, () => `nginx (${stderr.trim() || "no output"})`);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        await once(child, "exit");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
