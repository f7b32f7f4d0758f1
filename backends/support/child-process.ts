// Running another program for an answer: the exec backend's credential providers and Docker
// credential helpers. The child gets its own process group (setsid), so that at the time limit it
// and everything it started are killed together; its stdout is capped; nothing here ever puts its
// output into a message, because that output may hold a password.
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout fires at once for anything larger

/** The child could not be started, or was killed for taking too long or printing too much. */
export class ChildProcessError extends Error {
  override name = "ChildProcessError";
}

export interface ChildOptions {
  /** The child's whole environment. */
  env: Readonly<Record<string, string | undefined>>;
  stdin: string;
  timeoutMs: number;
  /** The time limit as people write it ("10s"), for messages. */
  timeoutText: string;
  maxOutputBytes: number;
  /** "inherit": the child's stderr is ours (a provider's diagnostics); "ignore": dropped. */
  stderr: "inherit" | "ignore";
}

export interface ChildResult {
  stdout: string;
  exitCode: number | null;
  signalCode: string | null;
}

export async function runChild(cmd: string[], options: ChildOptions): Promise<ChildResult> {
  let child;
  try {
    child = Bun.spawn(cmd, {
      env: definedOnly(options.env),
      stdin: Buffer.from(options.stdin),
      stdout: "pipe",
      stderr: options.stderr,
      detached: true, // setsid(): the child leads a process group of its own
    });
  } catch (error) {
    throw new ChildProcessError(`could not be started (${startProblem(error)})`);
  }

  const reader = child.stdout.getReader();
  let killedBecause: string | null = null;
  const killGroup = (reason: string) => {
    if (killedBecause !== null) return;
    killedBecause = reason;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // The group is already gone.
    }
    // A process that left the group could still hold stdout open: stop reading anyway.
    reader.cancel().catch(() => {});
  };
  const timer = setTimeout(
    () => killGroup(`did not answer within ${options.timeoutText} and was killed`),
    Math.min(Math.max(options.timeoutMs, 1), MAX_TIMER_MS),
  );

  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (killedBecause === null) {
      const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (done || value === undefined) break;
      size += value.byteLength;
      if (size > options.maxOutputBytes) {
        killGroup(`printed more than ${options.maxOutputBytes} bytes on stdout and was killed`);
      } else chunks.push(value);
    }
    await child.exited;
  } finally {
    clearTimeout(timer);
  }
  if (killedBecause !== null) throw new ChildProcessError(killedBecause);
  return {
    stdout: Buffer.concat(chunks).toString("utf8"),
    exitCode: child.exitCode,
    signalCode: child.signalCode === null ? null : String(child.signalCode),
  };
}

/**
 * exec.LookPath over the given PATH only (never our own process's). Empty and relative entries are
 * skipped: Go refuses results relative to the working directory (exec.ErrDot), and so do we.
 */
export function findExecutable(program: string, path: string | undefined): string | null {
  for (const dir of (path ?? "").split(":")) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, program);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here, or not executable.
    }
  }
  return null;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

function startProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied: is it executable?";
  return code ?? (error instanceof Error ? error.name : "unknown error");
}
