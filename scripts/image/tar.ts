// A reproducible ustar archive: entries sorted by path bytes (parents first, added when missing),
// owner 0:0 with no names (as GNU tar --numeric-owner), one fixed mtime, no leading "./", two zero
// blocks at the end. Written as a stream of pieces, reading one file at a time.
import { readFileSync } from "node:fs";

export interface TarEntry {
  /** No leading "/"; a directory ends with "/". */
  path: string;
  mode: number;
  /** A file's contents come from this path… */
  source?: string;
  /** …or are these bytes. */
  data?: Buffer;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

function header(path: string, mode: number, size: number, type: "0" | "5", mtime: number): Buffer {
  const h = Buffer.alloc(512);
  let name = path;
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = path.lastIndexOf("/", path.length - 2);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`path too long for ustar: ${path}`);
  }
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1"); // uid
  h.write(octal(0, 8), 116, "latin1"); // gid
  h.write(octal(size, 12), 124, "latin1");
  h.write(octal(mtime, 12), 136, "latin1");
  h.write(" ".repeat(8), 148, "latin1"); // the checksum counts its own field as spaces
  h.write(type, 156, "latin1");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  h.write(octal(0, 8), 329, "latin1"); // devmajor
  h.write(octal(0, 8), 337, "latin1"); // devminor
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}

/** The archive of `entries`, in pieces. */
export function* tarStream(entries: TarEntry[], mtime: number): Generator<Buffer> {
  const all = new Map<string, TarEntry>();
  for (const entry of entries) {
    all.set(entry.path, entry);
    const parts = entry.path.replace(/\/$/, "").split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join("/")}/`;
      if (!all.has(dir)) all.set(dir, { path: dir, mode: 0o755 });
    }
  }
  const sorted = [...all.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  for (const entry of sorted) {
    if (entry.path.endsWith("/")) {
      yield header(entry.path, entry.mode, 0, "5", mtime);
      continue;
    }
    const data = entry.data ?? readFileSync(entry.source as string);
    yield header(entry.path, entry.mode, data.length, "0", mtime);
    yield data;
    if (data.length % 512) yield Buffer.alloc(512 - (data.length % 512));
  }
  yield Buffer.alloc(1024);
}
