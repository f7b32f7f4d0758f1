// The program's view of its process: argv, environment, stdin, stdout, stderr, pid, clock. main.ts
// binds it to the real process; tests pass their own.
import type { Deadline } from "./core/deadline.ts";
import type { Log } from "./log.ts";

export interface Io {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** The whole request, waiting at most until the deadline; throws InputError. */
  readStdin(deadline: Deadline): string;
  /** Writes to stdout; throws (with a `code`) when it cannot. */
  stdout(text: string): void;
  /** Writes to stderr, best effort: never throws (a full disk or closed pipe there must not cost the answer). */
  stderr(text: string): void;
  pid: number;
  /** Milliseconds since the run started (the deadline counts from there). */
  clock(): number;
  /** The running executable, which install copies (process.execPath when absent; tests give another). */
  execPath?: string;
  /**
   * For a command that runs until it is stopped (sync): resolves with the signal's name when
   * the process is asked to stop (SIGTERM, SIGINT). Absent: such a command runs until the process ends.
   */
  untilStopped?(): Promise<string>;
}

/** Writes stdout's one document (or report): 0, or 1 with a message when it could not be written. */
export function answer(io: Io, log: Log, text: string): 0 | 1 {
  try {
    io.stdout(text);
    return 0;
  } catch (error) {
    log.error(`could not write the response: ${errorCode(error)}`);
    return 1;
  }
}

/**
 * How a failed operation is named in a message: its errno code ("ENOSPC"), else its type. Never
 * its message, which could quote what was written or a path we were not given.
 */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.name : "unknown error");
}
