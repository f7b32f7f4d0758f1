// Reading a file that may or may not be there: credential files, Docker config files, our config.
import { lstatSync, readFileSync } from "node:fs";

/** The file exists but cannot be used. The message names the path, never any content. */
export class FileReadError extends Error {
  override name = "FileReadError";
}

/**
 * The file's text, or null when there is no such file. Anything else is an error: a directory, a
 * permission problem, or a symbolic link to a missing file (which also reads as "no such file",
 * but someone put it there on purpose).
 */
export function readOptionalFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      if (isSymlink(path)) throw new FileReadError(`${path} is a symbolic link to a missing file`);
      return null;
    }
    if (code === "EISDIR") throw new FileReadError(`${path} is a directory, not a file`);
    if (code === "EACCES" || code === "EPERM") throw new FileReadError(`${path} cannot be read: permission denied`);
    throw new FileReadError(`${path} cannot be read (${code ?? "unknown error"})`);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
