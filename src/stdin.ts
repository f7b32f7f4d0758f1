// The request on stdin. The kubelet writes the whole request into a pipe and closes it, so a
// synchronous read is the fast path (a compiled Bun program starts ~5 ms faster with it than with
// Bun.stdin; docs/ARCHITECTURE.md, "Start-up"). Before each read we wait with poll(2) for data or
// the end of input, so a stdin that never closes, or a non-blocking one, costs no CPU and gives up
// at the run's deadline.
import { readSync } from "node:fs";
import { DEFAULTS } from "./core/defaults.ts";
import type { Deadline } from "./core/deadline.ts";
import { decodeUtf8, FileReadError } from "./core/files.ts";
import { pollReadable } from "./core/libc.ts";

/** stdin could not be read as a request: too large, not UTF-8, or not closed before the deadline. */
export class InputError extends Error {
  override name = "InputError";
}

export function readCapped(fd: number, deadline: Deadline, limit: number = DEFAULTS.stdinMaxBytes): string {
  const buffer = Buffer.alloc(limit + 1);
  let length = 0;
  while (length <= limit) {
    if (pollReadable(fd, deadline.remainingMs()) === false) {
      throw new InputError(`stdin was not closed within the run's deadline (${deadline.text}): the request must end with end of input`);
    }
    let n: number;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" || code === "EINTR") continue; // poll again: it waits, this never spins
      throw new InputError(`stdin cannot be read (${code ?? "unknown error"})`);
    }
    if (n === 0) break;
    length += n;
  }
  if (length > limit) throw new InputError(`request is larger than ${limit} bytes`);
  try {
    return decodeUtf8(buffer.subarray(0, length), "the request");
  } catch (error) {
    if (error instanceof FileReadError) throw new InputError(error.message);
    throw error;
  }
}
