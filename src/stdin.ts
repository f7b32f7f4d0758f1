// The request on stdin. The kubelet writes the whole request into a pipe and closes it, so a
// synchronous read is the fast path (a compiled Bun program starts ~5 ms faster with it than with
// Bun.stdin; docs/ARCHITECTURE.md, "Start-up"). A read must still never wait past the run's
// deadline, nor spin: a stdin that never closes, or a non-blocking one, has to end quietly.
//
// A regular file never blocks: it is read as it is. Anything else (a pipe, a FIFO, a terminal) is
// read through an open file description of our own, made non-blocking (/proc/self/fd/0 reopened
// with O_NONBLOCK: the kubelet's end keeps its flags); when it has nothing yet, we sleep a little
// longer each time (Atomics.wait: no CPU) until data, end of input or the deadline. Where that
// cannot be opened (a socket, no /proc), poll(2) through libc waits instead; binding libc costs
// ~0.2 ms and 2 MB, which the usual pipe does not pay.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DEFAULTS } from "./core/defaults.ts";
import type { Deadline } from "./core/deadline.ts";
import { decodeUtf8, FileReadError, NON_BLOCKING_READ } from "./core/files.ts";
import { pollReadable } from "./core/libc.ts";

/** stdin could not be read as a request: too large, not UTF-8, or not closed before the deadline. */
export class InputError extends Error {
  override name = "InputError";
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
const LONGEST_SLEEP_MS = 50;

export function readCapped(fd: number, deadline: Deadline, limit: number = DEFAULTS.stdinMaxBytes): string {
  const buffer = Buffer.alloc(limit + 1);
  const regular = isRegularFile(fd);
  const source = regular ? null : nonBlockingCopy(fd);
  let length = 0;
  let sleep = 1;
  try {
    while (length <= limit) {
      if (!regular && source === null && pollReadable(fd, deadline.remainingMs()) === false) throw notClosed(deadline);
      let n: number;
      try {
        n = readSync(source ?? fd, buffer, length, buffer.length - length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EINTR") continue;
        if (code !== "EAGAIN") throw new InputError(`stdin cannot be read (${code ?? "unknown error"})`);
        // Nothing yet: wait (poll's way above, or sleeping a little longer each time here).
        if (source !== null) {
          if (deadline.expired()) throw notClosed(deadline);
          Atomics.wait(SLEEP, 0, 0, Math.min(sleep, deadline.remainingMs()));
          sleep = Math.min(sleep * 2, LONGEST_SLEEP_MS);
        }
        continue;
      }
      if (n === 0) break;
      length += n;
      sleep = 1;
    }
  } finally {
    if (source !== null) closeSync(source);
  }
  if (length > limit) throw new InputError(`request is larger than ${limit} bytes`);
  try {
    return decodeUtf8(buffer.subarray(0, length), "the request");
  } catch (error) {
    if (error instanceof FileReadError) throw new InputError(error.message);
    throw error;
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/**
 * A non-blocking descriptor of our own for what `fd` reads from (not a regular file), or null
 * where it cannot be opened: a socket, no /proc (then poll waits).
 */
function nonBlockingCopy(fd: number): number | null {
  try {
    return openSync(`/proc/self/fd/${fd}`, NON_BLOCKING_READ);
  } catch {
    return null;
  }
}

function notClosed(deadline: Deadline): InputError {
  return new InputError(`stdin was not closed within the run's deadline (${deadline.text}): the request must end with end of input`);
}
