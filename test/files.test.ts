// readOptionalFile (src/core/files.ts) against what a node can hold where a file is expected.
// A FIFO or /dev/zero used to hang the provider or fill its memory: each must end at once.
import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { FileReadError, readOptionalFile } from "../src/core/files.ts";
import { mkfifo, scratchDirectory } from "./support/files.ts";

const LIMIT = { bytes: 1024, kind: "test files" };
let dir: string;
scratchDirectory("gcp-files-", (created) => (dir = created));

function readError(path: string): string {
  try {
    readOptionalFile(path, LIMIT);
  } catch (error) {
    expect(error).toBeInstanceOf(FileReadError);
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("readOptionalFile", () => {
  test("a regular file is read; a missing one is null", () => {
    writeFileSync(join(dir, "a.json"), "{}");
    expect(readOptionalFile(join(dir, "a.json"), LIMIT)).toBe("{}");
    expect(readOptionalFile(join(dir, "missing.json"), LIMIT)).toBeNull();
    expect(readOptionalFile(join(dir, "missing-dir", "a.json"), LIMIT)).toBeNull();
  });

  test("a FIFO, or a symbolic link to one, is refused without waiting for a writer", () => {
    mkfifo(join(dir, "fifo"));
    symlinkSync(join(dir, "fifo"), join(dir, "link"));
    expect(readError(join(dir, "fifo"))).toBe(`${join(dir, "fifo")} is a FIFO, not a regular file`);
    expect(readError(join(dir, "link"))).toBe(`${join(dir, "link")} is a FIFO, not a regular file`);
  });

  test("a symbolic link to /dev/zero is refused before a byte is read", () => {
    symlinkSync("/dev/zero", join(dir, "zero"));
    expect(readError(join(dir, "zero"))).toBe(`${join(dir, "zero")} is a character device, not a regular file`);
  });

  test("a directory and a socket are refused", async () => {
    mkdirSync(join(dir, "d"));
    expect(readError(join(dir, "d"))).toBe(`${join(dir, "d")} is a directory, not a regular file`);
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(join(dir, "sock"), done));
    try {
      expect(readError(join(dir, "sock"))).toMatch(/sock (cannot be opened|is a socket, not a regular file)/);
    } finally {
      server.close();
    }
  });

  test("a file over the limit is refused without reading it: a sparse 1 GiB file costs nothing", () => {
    writeFileSync(join(dir, "big"), "");
    truncateSync(join(dir, "big"), 1024 ** 3);
    expect(readError(join(dir, "big"))).toBe(`${join(dir, "big")} is larger than 1024 bytes, the limit for test files`);
    writeFileSync(join(dir, "exact"), "x".repeat(1024));
    expect(readOptionalFile(join(dir, "exact"), LIMIT)).toHaveLength(1024);
    writeFileSync(join(dir, "one-more"), "x".repeat(1025));
    expect(readError(join(dir, "one-more"))).toContain("is larger than 1024 bytes");
  });

  test("invalid UTF-8 is refused with its position, never decoded into a replacement character", () => {
    const bytes = Buffer.concat([Buffer.from('{\n  "password": "pä'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n}')]);
    writeFileSync(join(dir, "bad.json"), bytes);
    expect(readError(join(dir, "bad.json"))).toBe(`${join(dir, "bad.json")} is not valid UTF-8 at byte 20 (line 2, column 18)`);
    // A truncated multi-byte sequence at the end, too.
    writeFileSync(join(dir, "cut.json"), Buffer.from([0x22, 0xc3]));
    expect(readError(join(dir, "cut.json"))).toContain("is not valid UTF-8 at byte 1");
  });

  test("a symbolic link to a missing file is an error, not a miss", () => {
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling"));
    expect(readError(join(dir, "dangling"))).toBe(`${join(dir, "dangling")} is a symbolic link to a missing file`);
  });
});
