import { readFile } from "node:fs/promises";

export interface ProcessIdentity {
  bootId: string;
  processStart: string;
  isNode: boolean;
}

/**
 * Which process a pid is, from Linux's /proc: the kernel's boot id and the process's start time
 * since boot (together they never name two processes), and whether it runs Node. "gone" when no
 * such process is visible; undefined where the system has no /proc.
 */
export async function identifyProcess(pid: number): Promise<ProcessIdentity | "gone" | undefined> {
  let bootId: string;
  try {
    bootId = (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
  } catch {
    return undefined;
  }
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "gone";
  }
  // Fields after the command name, which is in parentheses and may itself hold spaces or ')'.
  // The start time is field 22 of proc_pid_stat(5): the 20th after the name.
  const processStart = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  if (processStart === undefined) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const program = cmdline.split("\0")[0] ?? "";
  return { bootId, processStart, isNode: /(^|\/)node[\d.]*$/.test(program) };
}
