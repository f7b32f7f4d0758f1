// Reading a file that may or may not be there: credential files, Docker config files, our config.
// Nothing on the node may make this hang or eat memory: the file is opened without blocking (a
// FIFO would otherwise wait for a writer forever), anything but a regular file is refused before a
// byte is read (a symbolic link to /dev/zero), the size is capped before reading, and the text
// must be valid UTF-8 (a replacement character would silently change a password).
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from "node:fs";

/** The file exists but cannot be used. The message names the path, never any content. */
export class FileReadError extends Error {
  override name = "FileReadError";
}

/**
 * How anything from outside is opened for reading: without blocking (a FIFO would wait for a
 * writer) and never as our controlling terminal. (Bun, like Node, opens every file close-on-exec,
 * so no child inherits it.)
 */
export const NON_BLOCKING_READ = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The file's text, or null when there is no such file. Anything else is an error: a directory, a
 * FIFO, a device, a socket, a file over `limit` bytes, text that is not UTF-8, a permission
 * problem, or a symbolic link to a missing file (which also reads as "no such file", but someone
 * put it there on purpose). `kind` names the limit in the message ("credential files"). Messages
 * name the file as `shown` (a path with a part that must not be printed replaced), else `path`.
 */
export function readOptionalFile(path: string, limit: { bytes: number; kind: string }, shown: string = path): string | null {
  let fd: number;
  try {
    fd = openSync(path, NON_BLOCKING_READ);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      if (isSymlink(path)) throw new FileReadError(`${shown} is a symbolic link to a missing file`);
      return null;
    }
    throw new FileReadError(`${shown} cannot be opened (${describeCode(code)})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileReadError(`${shown} is ${fileType(stats)}, not a regular file`);
    // At most one byte past the limit is read (the size can grow after fstat): a sparse 1 GiB file
    // costs what a small one does.
    const buffer = Buffer.alloc(Math.min(stats.size, limit.bytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > limit.bytes) throw new FileReadError(`${shown} is larger than ${limit.bytes} bytes, the limit for ${limit.kind}`);
    return decodeUtf8(buffer.subarray(0, length), shown);
  } catch (error) {
    if (error instanceof FileReadError) throw error;
    throw new FileReadError(`${shown} cannot be read (${describeCode((error as NodeJS.ErrnoException).code)})`);
  } finally {
    closeSync(fd);
  }
}

/** Text that is not UTF-8; `offset` is where the first bad sequence starts. */
export class InvalidUtf8Error extends FileReadError {
  constructor(
    what: string,
    readonly offset: number,
    line: number,
    column: number,
  ) {
    super(`${what} is not valid UTF-8 at byte ${offset} (line ${line}, column ${column})`);
  }
}

/** Strict UTF-8; on a bad sequence, an InvalidUtf8Error naming `what` and the position. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const lines = new TextDecoder().decode(bytes.subarray(0, offset)).split("\n");
    throw new InvalidUtf8Error(what, offset, lines.length, (lines.at(-1)?.length ?? 0) + 1);
  }
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  // Binary search for the longest valid prefix, cut at a sequence boundary: valid(prefix) is monotonic.
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      low = middle;
    } catch {
      high = middle - 1;
    }
  }
  // `low` may sit inside a sequence that the next byte (or the end) breaks: report where it began.
  let lead = low - 1;
  while (lead >= 0 && low - lead < 4 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
  const first = bytes[lead] ?? 0;
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return lead >= 0 && low - lead < length ? lead : low;
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function describeCode(code: string | undefined): string {
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ELOOP") return "too many levels of symbolic links";
  return code ?? "unknown error";
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
