// Running another program for an answer: the exec backend's credential providers and Docker
// credential helpers. Nothing a child does may hang us, flood us or outlive us:
// - it gets a process group of its own (setsid); at its time limit (never past the run's
//   deadline) the whole group is killed, and so is whatever is left in it once the child exits;
// - in the compiled binary we are the children's "subreaper" (src/core/libc.ts), so a grandchild
//   that escaped the group with setsid and was orphaned comes back to us and is killed too;
// - its stdout is capped, and must be UTF-8; its stderr is dropped or forwarded, capped;
// - killAllChildren() stops everything still running (our signal handlers call it).
// Nothing here ever puts a child's stdout into a message: it may hold a password.
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Deadline } from "../../src/core/deadline.ts";
import { decodeUtf8, InvalidUtf8Error } from "../../src/core/files.ts";
import { becomeSubreaper } from "../../src/core/libc.ts";

const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout fires at once for anything larger

/** The child could not be started, or was killed for taking too long or printing too much. */
export class ChildProcessError extends Error {
  override name = "ChildProcessError";
}

export interface ChildOptions {
  /** The child's whole environment. */
  env: Readonly<Record<string, string>>;
  stdin: string;
  timeoutMs: number;
  /** The time limit as people write it ("10s"), for messages. */
  timeoutText: string;
  /** The run's deadline: the child is killed when it passes, whatever its own limit. */
  deadline: Deadline;
  maxOutputBytes: number;
  /**
   * "ignore": dropped (a failing credential helper may print the secret it was about to return);
   * otherwise each line goes to `write` with this prefix, up to `maxBytes` (the kubelet shows a
   * provider's stderr, so we pass a chained provider's on, but never hand it our own stderr).
   */
  stderr: "ignore" | { prefix: string; maxBytes: number; write(text: string): void };
}

export interface ChildResult {
  stdout: string;
  exitCode: number | null;
  signalCode: string | null;
}

/** Children still running, by pid: what killAllChildren() stops. */
const running = new Map<number, Promise<unknown>>();

/**
 * Set by the compiled binary's entry point: become the subreaper of our descendants before the
 * first child starts, and kill the orphans that come back to us. Off in-process (in tests, the
 * test runner's own children would be taken for orphans).
 */
export const orphans = { adopt: false, subreaper: false };

/**
 * Set by the compiled binary's entry point: what to do before the first child starts (install the
 * signal handlers that stop every child). A run that starts no child pays nothing for it.
 */
export const beforeFirstChild: { run: (() => void) | null } = { run: null };

export async function runChild(cmd: string[], options: ChildOptions): Promise<ChildResult> {
  if (options.deadline.expired()) throw new ChildProcessError(`was not started: the run's deadline (${options.deadline.text}) has passed`);
  if (orphans.adopt && !orphans.subreaper) orphans.subreaper = becomeSubreaper();
  const first = beforeFirstChild.run;
  beforeFirstChild.run = null;
  first?.();
  const ownLimit = options.timeoutMs <= options.deadline.remainingMs();
  const timeoutMs = Math.min(options.timeoutMs, options.deadline.remainingMs());
  const timeoutText = ownLimit ? options.timeoutText : `the run's deadline (${options.deadline.text})`;
  let child;
  try {
    child = Bun.spawn(cmd, {
      env: options.env,
      stdin: Buffer.from(options.stdin),
      stdout: "pipe",
      stderr: options.stderr === "ignore" ? "ignore" : "pipe",
      detached: true, // setsid(): the child leads a process group of its own
    });
  } catch (error) {
    throw new ChildProcessError(`could not be started (${startProblem(error)})`);
  }
  const { pid } = child;
  running.set(pid, child.exited);

  const reader = child.stdout.getReader();
  let killedBecause: string | null = null;
  const killGroup = (reason: string) => {
    if (killedBecause !== null) return;
    killedBecause = reason;
    killProcessGroup(pid);
    // A process that left the group could still hold stdout open: stop reading anyway.
    reader.cancel().catch(() => {});
  };
  const timer = setTimeout(
    () => killGroup(`did not answer within ${timeoutText} and was killed`),
    Math.min(Math.max(timeoutMs, 1), MAX_TIMER_MS),
  );
  const stderrDone =
    options.stderr === "ignore" ? Promise.resolve() : forwardStderr(child.stderr as ReadableStream<Uint8Array>, options.stderr, child.exited);

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
    // Whatever the child left behind in its group, or orphaned and handed back to us, goes too.
    killProcessGroup(pid);
    killAdoptedOrphans();
    running.delete(pid);
  }
  await stderrDone;
  if (killedBecause !== null) throw new ChildProcessError(killedBecause);
  let stdout: string;
  try {
    stdout = decodeUtf8(Buffer.concat(chunks), "stdout");
  } catch (error) {
    if (error instanceof InvalidUtf8Error) throw new ChildProcessError(`printed invalid UTF-8 on stdout (at byte ${error.offset})`);
    throw error;
  }
  return { stdout, exitCode: child.exitCode, signalCode: child.signalCode === null ? null : String(child.signalCode) };
}

/** Kills every child still running, with its group and any orphans, and waits for them. */
export async function killAllChildren(): Promise<void> {
  for (const pid of running.keys()) killProcessGroup(pid);
  killAdoptedOrphans();
  await Promise.all(running.values());
}

function killProcessGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}

/**
 * As subreaper, our children are those we started and the orphans of their descendants. Every
 * child we did not start (or that is no longer running) is such an orphan: kill it with its group.
 */
function killAdoptedOrphans(): void {
  if (!orphans.subreaper) return;
  for (const pid of ownChildren()) {
    if (running.has(pid)) continue;
    killProcessGroup(pid);
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone (or a zombie waiting for init after we exit).
    }
  }
}

/** Our direct children, from /proc/self/task/<tid>/children (every thread may have some). */
function ownChildren(): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync("/proc/self/task")) {
      const text = readFileSync(`/proc/self/task/${task}/children`, "utf8").trim();
      if (text !== "") pids.push(...text.split(" ").map(Number));
    }
  } catch {
    // No /proc, or a kernel without CONFIG_PROC_CHILDREN: nothing more can be found.
  }
  return pids;
}

/**
 * Forwards a child's stderr line by line with a prefix, up to `maxBytes`, then drops the rest.
 * Ends when the stream does, or soon after the child exits: a process that escaped its group could
 * otherwise hold the pipe open forever.
 */
async function forwardStderr(
  stream: ReadableStream<Uint8Array>,
  target: { prefix: string; maxBytes: number; write(text: string): void },
  exited: Promise<unknown>,
): Promise<void> {
  const LINGER_MS = 100; // what a child wrote just before it exited is still in the pipe
  let lingering: Timer | undefined;
  let ended = false;
  void exited.then(() => {
    // Not once the stream has ended: the timer would keep the process alive for nothing.
    if (!ended) lingering = setTimeout(() => stream.cancel().catch(() => {}), LINGER_MS);
  });
  const decoder = new TextDecoder();
  let pending = "";
  let written = 0;
  let truncated = false;
  const emit = (line: string) => {
    if (truncated) return;
    if (written + line.length > target.maxBytes) {
      truncated = true;
      target.write(`${target.prefix}(stderr cut at ${target.maxBytes} bytes)\n`);
      return;
    }
    written += line.length;
    target.write(`${target.prefix}${line}\n`);
  };
  try {
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) emit(line);
      if (pending.length > target.maxBytes) {
        emit(pending);
        pending = "";
      }
    }
  } catch {
    // The child's group was killed; what arrived was forwarded.
  }
  ended = true;
  clearTimeout(lingering);
  pending += decoder.decode();
  if (pending !== "") emit(pending);
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

function startProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied: is it executable?";
  return code ?? (error instanceof Error ? error.name : "unknown error");
}
