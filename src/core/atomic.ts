// Replacing a file the way a running node needs it: the new content is written to a temp file in
// the same directory (same file system), synced, given its mode, and renamed over the old name.
// Whoever opens the name gets the old file or the new one, never half of one; a running executable
// keeps its old inode (writing into it in place fails with ETXTBSY, "Text file busy"); and when
// anything fails, the old file is still there, whole.
import { chmodSync, closeSync, copyFileSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

// The temp file beside `name` is `.<name>.tmp-<pid>-<random>`; a crash can leave one behind.
const TEMP_NAME = /^\.([^/]+)\.tmp-\d+-[0-9a-z]+$/;

/** The name a temp file of this module was to replace, or null when `name` is not one. */
export function atomicTempTarget(name: string): string | null {
  return TEMP_NAME.exec(name)?.[1] ?? null;
}

/** `path` replaced by what `fill` writes into the temp file it is given, with `mode`. */
function replace(path: string, mode: number, fill: (temp: string) => void): void {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    fill(temp);
    chmodSync(temp, mode);
    const fd = openSync(temp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/** Writes `content` to `path` by temp file and rename. The temp file is created 0600: a secret is never readable on the way. */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode: number): void {
  replace(path, mode, (temp) => {
    const fd = openSync(temp, "wx", 0o600);
    try {
      const bytes = typeof content === "string" ? Buffer.from(content) : content;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    } finally {
      closeSync(fd);
    }
  });
}

/** Copies `source` to `path` by temp file and rename. */
export function copyFileAtomic(source: string, path: string, mode: number): void {
  replace(path, mode, (temp) => copyFileSync(source, temp));
}

/** The rename itself is durable once the directory is synced; best effort (some file systems refuse). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Nothing more can be done: the file is in place.
  }
}

/** Whether two files have the same bytes, read a chunk at a time (a binary is 100 MB). */
export function sameBytes(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  const [fa, fb] = [openSync(a, "r"), openSync(b, "r")];
  try {
    const size = 1 << 20;
    const [ba, bb] = [Buffer.alloc(size), Buffer.alloc(size)];
    for (;;) {
      const na = readSync(fa, ba, 0, size, null);
      const nb = readSync(fb, bb, 0, size, null);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}
