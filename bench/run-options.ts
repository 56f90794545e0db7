/** `npm run bench`'s command line. */
import { parseArgs } from "node:util";
import type { ChatSettings } from "./chat.ts";
import type { ClusterSettings } from "./cluster.ts";
import type { HttpSettings } from "./http.ts";
import type { StallSettings } from "./stall.ts";

const SECTIONS = ["http", "engine", "v1", "batched", "chat", "stall", "web", "cluster", "edge"] as const;
export type Section = (typeof SECTIONS)[number];

export const USAGE = `Usage: npm run bench -- [--json] [--only http,engine,v1,batched,chat,stall,web,cluster,edge] [options]

  --json              print one JSON object instead of the table
  --only list         sections to run, comma-separated (default: all)
                        http    idle memory; authenticated request rate vs /healthz
                        engine  engine and llama-server vs llama-bench (needs \`npm run build-llama\`;
                                else skipped)
                        v1      /v1/chat/completions vs llama-server, streamed to the openai client:
                                tokens/s and time to first token
                        batched 8 replies at once vs 1 (engine direct and /v1) against
                                llama-batched-bench
                        chat    SSE vs engine, last 50 of 100,000 messages (PGlite, PostgreSQL),
                                time to first delta, memory after 1,000 messages
                        stall   event-loop lag and /healthz latency while users send 400 KB
                                pathological messages, against the same server idle
                        web     the web app in Chromium: opening 10,000 messages vs 100, the
                                JS heap after scrolling them end to end vs opened, frames/s
                                while a reply streams vs idle (needs /usr/bin/chromium)
                        cluster three nodes on PostgreSQL and Redis: SSE fan-out to 1,000 clients
                                vs one per node (each node's event-loop lag and memory); needs
                                redis-server and PostgreSQL (see --postgres-url)
                        edge    the small-device configuration on a Q4_0 model vs the defaults
                                on F16: start time, memory of the server and llama.cpp

http:
  --duration s        seconds measured per endpoint and round (default 5)
  --warmup s          seconds of unmeasured load before each measurement (default 1)
  --connections n     concurrent connections (default 10)
  --rounds n          repeat healthz, me-by-cookie, me-by-key n times; report medians (default 1)

engine, v1, batched and chat:
  --threads n         CPU threads (default: what the engine chooses for this machine)
  --repetitions n     llama-bench repetitions and engine runs; /v1 vs llama-server pairs; rounds of
                      1 then 8 replies; SSE vs engine pairs (default 5)
  --requests n        last-50 requests per conversation and database (default 200)
  --sends n           sends per conversation kind for the time to first delta (default 5)
  --memory-sends n    sends before the memory is read again (default 500, 2 messages each)
  --postgres-url url  a PostgreSQL server to create a throwaway database on (default: DATABASE_URL;
                      without either, a throwaway server is started when PostgreSQL is installed
                      and the bench runs as root, else the PostgreSQL figure is skipped)

cluster:
  --clients n         clients following the replies in the fan-out phase (default 1000)
  --replies n         replies per phase (default 5)

stall:
  --users n           users sending pathological messages at once (default 4)
  --stall-seconds s   seconds idle, then as many under load (default 15)
`;

export interface Options extends HttpSettings, ChatSettings, StallSettings, Omit<ClusterSettings, "postgresUrl"> {
  isJson: boolean;
  sections: Set<Section>;
}

export function readOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      only: { type: "string", default: SECTIONS.join(",") },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      connections: { type: "string", default: "10" },
      rounds: { type: "string", default: "1" },
      threads: { type: "string" },
      repetitions: { type: "string", default: "5" },
      requests: { type: "string", default: "200" },
      sends: { type: "string", default: "5" },
      "memory-sends": { type: "string", default: "500" },
      "postgres-url": { type: "string" },
      users: { type: "string", default: "4" },
      "stall-seconds": { type: "string", default: "15" },
      clients: { type: "string", default: "1000" },
      replies: { type: "string", default: "5" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const number = (name: string, text: string, minimum: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < minimum) throw new Error(`--${name} must be an integer ≥ ${minimum}.`);
    return value;
  };
  return {
    isJson: values.json,
    sections: readSections(values.only),
    durationSeconds: number("duration", values.duration, 1),
    warmupSeconds: number("warmup", values.warmup, 0),
    connections: number("connections", values.connections, 1),
    rounds: number("rounds", values.rounds, 1),
    threads: values.threads === undefined ? undefined : number("threads", values.threads, 1),
    repetitions: number("repetitions", values.repetitions, 1),
    requests: number("requests", values.requests, 1),
    sends: number("sends", values.sends, 1),
    memorySends: number("memory-sends", values["memory-sends"], 1),
    postgresUrl: values["postgres-url"] ?? (process.env.DATABASE_URL || undefined),
    users: number("users", values.users, 1),
    stallSeconds: number("stall-seconds", values["stall-seconds"], 1),
    fanOutClients: number("clients", values.clients, 3),
    replies: number("replies", values.replies, 1),
  };
}

function readSections(list: string): Set<Section> {
  const sections = new Set<Section>();
  for (const name of list.split(",").map((part) => part.trim())) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      throw new Error(`--only takes ${SECTIONS.join(", ")} (comma-separated), not "${name}".`);
    }
    sections.add(name as Section);
  }
  return sections;
}
