import { readFileSync } from "node:fs";

/** True when the process no longer runs: gone, or a zombie its new parent has not reaped yet. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/**
 * SIGKILL to a process group is sent at once, but each process dies when it is next scheduled:
 * wait (bounded) for that to happen. Returns whether the process is gone.
 */
export async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 300 && !isGone(pid); i++) await Bun.sleep(10);
  return isGone(pid);
}
