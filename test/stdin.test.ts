// readCapped (src/stdin.ts) in this process, on descriptors the test opens: what it reads, what it
// refuses, and that it leaves no descriptor of its own behind. The binary's stdin cases (a pipe
// that never closes, a non-blocking stdin, a socket) are in test/binary-hardening.test.ts.
import { describe, expect, test } from "bun:test";
import { closeSync, constants, openSync, readdirSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Deadline } from "../src/core/deadline.ts";
import { InputError, readCapped } from "../src/stdin.ts";
import { mkfifo, scratchDirectory } from "./support/files.ts";

let dir = "";
const put = scratchDirectory("gcp-stdin-", (path) => (dir = path));
const deadline = () => new Deadline(5_000, "5s", () => 0);
const openDescriptors = () => readdirSync("/proc/self/fd").length;

/** A FIFO holding `content` with its writer closed, opened for reading: what the kubelet's pipe looks like. */
function filledPipe(content: string): number {
  const path = mkfifo(join(dir, "pipe"));
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY);
  writeSync(writer, content);
  closeSync(writer);
  return reader;
}

describe("readCapped", () => {
  test("reads a pipe to its end, and closes the descriptor it opened for it", () => {
    const fd = filledPipe('{"image":"registry.example.org/app"}');
    try {
      const before = openDescriptors();
      expect(readCapped(fd, deadline())).toBe('{"image":"registry.example.org/app"}');
      expect(openDescriptors()).toBe(before);
    } finally {
      closeSync(fd);
    }
  });

  test("reads a regular file from where its offset stands", () => {
    const fd = openSync(put("request.json", "XX{}"), "r");
    try {
      readSync(fd, Buffer.alloc(2), 0, 2, null);
      expect(readCapped(fd, deadline())).toBe("{}");
    } finally {
      closeSync(fd);
    }
  });

  test("refuses more than the limit, naming the limit and not the content", () => {
    const fd = filledPipe("x".repeat(65));
    try {
      expect(() => readCapped(fd, deadline(), 64)).toThrow(new InputError("request is larger than 64 bytes"));
    } finally {
      closeSync(fd);
    }
  });
});
