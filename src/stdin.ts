import { readSync } from "node:fs";

export const STDIN_LIMIT = 1024 * 1024; // a request is a few hundred bytes; 1 MiB is plenty

export class InputTooLargeError extends Error {
  override name = "InputTooLargeError";
}

/**
 * Reads all of a file descriptor synchronously (faster to start than Bun.stdin, DESIGN.md §5),
 * refusing more than `limit` bytes without reading the rest.
 */
export function readCapped(fd: number, limit = STDIN_LIMIT): string {
  const buffer = Buffer.alloc(limit + 1);
  let length = 0;
  while (length <= limit) {
    let n: number;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" || code === "EINTR") continue; // a non-blocking pipe: try again
      throw error;
    }
    if (n === 0) break;
    length += n;
  }
  if (length > limit) throw new InputTooLargeError(`request is larger than ${limit} bytes`);
  return buffer.toString("utf8", 0, length);
}
