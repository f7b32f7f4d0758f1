// What `check` looks at in the files a backend reads: that a file or directory is there and of
// the right kind, that it parses, and that only root (or the user we run as) can read or change it.
import { readdirSync, statSync, type Stats } from "node:fs";
import type { Problem } from "../types.ts";

/** The running user's uid (root under the kubelet). */
const OWN_UID = process.getuid?.() ?? 0;

/**
 * Permission problems of a file or directory holding credentials: it must be owned by root or by
 * us, and neither readable nor writable by group or others. With `secret: false` (a file that
 * holds no credentials but decides where they go), reading is allowed; changing is not.
 */
export function permissionProblems(path: string, stats: Stats, { secret = true }: { secret?: boolean } = {}): Problem[] {
  const problems: Problem[] = [];
  const kind = stats.isDirectory() ? "directory" : "file";
  if (stats.uid !== 0 && stats.uid !== OWN_UID) {
    problems.push({ severity: "error", message: `${path} is owned by uid ${stats.uid}, not root`, fix: `chown root: ${path}` });
  }
  if ((stats.mode & (secret ? 0o077 : 0o022)) !== 0) {
    const wanted = kind === "directory" ? "0700" : "0600";
    problems.push({
      severity: "error",
      message: `${path} can be ${(stats.mode & 0o022) !== 0 ? "changed" : "read"} by group or others (mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")})`,
      fix: `chmod ${wanted} ${path}`,
    });
  }
  return problems;
}

/** The directory's entries, or a problem saying why there are none to check. */
export function directoryEntries(dir: string, what: string): { entries: string[]; problems: Problem[] } {
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch {
    return { entries: [], problems: [{ severity: "error", message: `${what} ${dir} does not exist`, fix: `mkdir -m 0700 -p ${dir}` }] };
  }
  if (!stats.isDirectory()) return { entries: [], problems: [{ severity: "error", message: `${what} ${dir} is not a directory` }] };
  try {
    return { entries: readdirSync(dir).sort(), problems: permissionProblems(dir, stats) };
  } catch (error) {
    return { entries: [], problems: [{ severity: "error", message: `${what} ${dir} cannot be read (${(error as NodeJS.ErrnoException).code})` }] };
  }
}

/** The problem of reading and checking one file (`read` throws what the backend would report), and its permissions. */
export function fileProblems(path: string, read: () => unknown): Problem[] {
  try {
    read();
  } catch (error) {
    return [{ severity: "error", message: (error as Error).message }];
  }
  return pathPermissionProblems(path);
}

/** permissionProblems of what is at `path`; none when nothing is there. */
export function pathPermissionProblems(path: string): Problem[] {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return [];
  }
  return permissionProblems(path, stats);
}
