// Child processes in tests: the real components they start (found on an explicit PATH, ready when
// their own output says so), and checks that processes are gone and left nothing behind.
import { readdirSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";

/**
 * The path of `name` on `path`. A missing tool fails the test that needs it, with the fix:
 * CI installs every real component with scripts/install-test-packages.sh.
 */
export function requireTool(name: string, path: string): string {
  const found = Bun.which(name, { PATH: path });
  if (found === null) {
    throw new Error(`${name} is not on PATH=${path}: the tests need it (as root: bash scripts/install-test-packages.sh)`);
  }
  return found;
}

/** A started component: the child and everything it has written to stderr so far. */
export interface Started {
  child: Subprocess<"ignore", "ignore", "pipe">;
  /** The matches of the patterns it was started with. */
  matches: RegExpExecArray[];
  /** Its stderr so far; all of it once `ended` has resolved. */
  log(): string;
  /**
   * The first match of `pattern` in its stderr from offset `from` on, as soon as it is written:
   * read from its output as it arrives, never polled. Rejects with the log when the component
   * exits, or `timeoutMs` passes, without it.
   */
  waitForLog(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when its stderr has ended (it exited). */
  ended: Promise<void>;
}

/**
 * Starts `argv` (its program looked up with requireTool on env.PATH) and waits until its stderr
 * has matched every pattern: readiness read from the component's own log, never a sleep or a
 * poll. Its stderr is read to the end (a full pipe would block it) and kept for `log()`. If it
 * exits first, or has not printed the lines within `timeoutMs`, it is killed and the error holds
 * its log.
 */
export async function startAndWaitFor(
  argv: string[],
  env: Record<string, string>,
  patterns: RegExp[],
  timeoutMs = 10_000,
): Promise<Started> {
  const [program, ...args] = argv;
  const child = Bun.spawn([requireTool(program ?? "", env.PATH ?? ""), ...args], { stdin: "ignore", stdout: "ignore", stderr: "pipe", env });
  const stderr = followOutput(child.stderr, program ?? "");
  try {
    const matches = await Promise.all(patterns.map((pattern) => stderr.waitFor(pattern, 0, timeoutMs)));
    return { child, matches, log: stderr.text, waitForLog: stderr.waitFor, ended: stderr.ended };
  } catch {
    const running = !stderr.finished();
    if (running) child.kill("SIGKILL");
    const status = await child.exited;
    await stderr.ended;
    const why = running ? `killed after ${timeoutMs} ms` : `exited with status ${status}`;
    throw new Error(`${program} ${why} before logging ${patterns.join(" and ")}; its log:\n${stderr.text()}`);
  }
}

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

/** What runs or is mounted under `dir`: live processes whose command line names it, and mount points. */
export function leftoversUnder(dir: string): { processes: string[]; mounts: string[] } {
  const processes: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid || isGone(Number(pid))) continue;
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      if (command.includes(dir)) processes.push(`${pid}: ${command}`);
    } catch {
      // it exited while we looked
    }
  }
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
  return { processes, mounts };
}

/** A child's output stream, read to its end as it arrives and kept. */
export interface FollowedOutput {
  /** Everything read so far. */
  text(): string;
  /**
   * The first match of `pattern` from offset `from` on, as soon as it is written (never polled).
   * Rejects with the output from there when the stream ends, or `timeoutMs` passes, without it.
   */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the stream has ended. */
  ended: Promise<void>;
  /** True once the stream has ended. */
  finished(): boolean;
}

/** Follows `stream` (a child's stdout or stderr piped to us): see FollowedOutput. */
export function followOutput(stream: ReadableStream<Uint8Array>, what: string): FollowedOutput {
  let text = "";
  let finished = false;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        text += decoder.decode(chunk, { stream: true });
        changed();
      }
    } catch {
      // the stream failed: treated as its end
    }
    text += decoder.decode();
    finished = true;
    changed();
  })();
  return {
    text: () => text,
    ended,
    finished: () => finished,
    waitFor(pattern, from = 0, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text.slice(from));
          if (match === null && !finished) return;
          listeners.delete(check);
          clearTimeout(timer);
          if (match !== null) resolve(match);
          else reject(new Error(`${what} ended without ${pattern}; from there it said:\n${text.slice(from)}`));
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${what} did not say ${pattern} within ${timeoutMs} ms; from there it said:\n${text.slice(from)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}
