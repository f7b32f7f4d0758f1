import { readSync } from "node:fs";
import { DEFAULTS } from "./core/defaults.ts";

export class InputTooLargeError extends Error {
  override name = "InputTooLargeError";
}

/**
 * Reads all of a file descriptor synchronously (a compiled Bun program starts ~5 ms faster this
 * way than with Bun.stdin; docs/ARCHITECTURE.md, "Start-up"),
 * refusing more than `limit` bytes without reading the rest.
 */
export function readCapped(fd: number, limit: number = DEFAULTS.stdinMaxBytes): string {
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
