// `sync --from DIR --to DIR`: mirrors a Secret mounted by the kubelet into a node's credential
// directory, for the file backend. The kubelet writes a Secret volume with its atomic writer
// (kubernetes pkg/volume/util/atomic_writer.go): the keys live in a `..<timestamp>.<random>`
// directory, `..data` is a symbolic link to it, each visible key is a link `key -> ..data/key`, and
// an update writes a new timestamped directory, renames a `..data_tmp` link over `..data`, adds
// the links of new keys, removes those of removed keys and then the old directory. So:
//
// * the keys are the visible names (not `..data`, `..data_tmp` or `..<timestamp>` entries); a
//   link that resolves to nothing is a key the current version does not have;
// * a version is read whole and then checked: if `..data` moved meanwhile, it is read again;
// * nothing outside DIR is read (the writer's links stay inside it; anything resolving elsewhere
//   is refused), only `*.json` keys are copied, and each only as the text the file backend's own
//   reader accepted (backends/file.ts: readCredentialFile);
// * a key is copied by temp file and rename (src/core/atomic.ts), with mode 0600, into a 0700 directory; a node file
//   that is no longer a key is removed, while the node's copy of a key that was refused is kept;
// * every change of the directory (inotify through fs.watch: the `..data` rename and the link
//   updates) starts a pass at once, and a timer repeats it as a safety net.
//
// Changes are reported on stdout, problems on stderr: file names only, never content.
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, unlinkSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { readCredentialFile } from "../../backends/file.ts";
import { BackendError } from "../../backends/types.ts";
import type { Options } from "../args.ts";
import { atomicTempTarget, writeFileAtomic } from "../core/atomic.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { canonicalGoDuration, durationMs } from "../core/duration.ts";
import { errorCode, type Io } from "../io.ts";
import type { Log } from "../log.ts";

/** What one pass found and did. */
export interface PassResult {
  /** False when the pass could not be done (DIR unreadable, the node directory not writable). */
  ok: boolean;
  /** Keys present in the Secret but not copied, with why (names only). */
  refused: Map<string, string>;
  /** "added a.json", "updated a.json", "removed a.json". */
  changes: string[];
}

/** The mode of every copied key, and of the directory holding them. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** How often a pass reads the Secret again when `..data` moved while it read. */
const MAX_READS = 10;

export async function sync(io: Io, log: Log, options: Options): Promise<number> {
  const from = options.from as string; // parseArgs requires both
  const to = options.to as string;
  const interval = options.interval ?? canonicalGoDuration(DEFAULTS.syncInterval) ?? DEFAULTS.syncInterval;
  const out = (line: string) => {
    try {
      io.stdout(`${line}\n`);
    } catch {
      // A report is best effort: a closed stdout must not stop the node's credentials.
    }
  };
  // A refusal is reported when it appears or changes, not at every pass.
  const reported = new Map<string, string>();
  const pass = (): PassResult => {
    const result = syncPass(from, to, log);
    for (const change of result.changes) out(`sync: ${change}`);
    for (const [name, problem] of result.refused) {
      if (reported.get(name) !== problem) log.warn(`sync: ${problem}`);
    }
    reported.clear();
    for (const [name, problem] of result.refused) reported.set(name, problem);
    return result;
  };

  const first = pass();
  if (options.once) return first.ok && first.refused.size === 0 ? 0 : 1;
  if (!first.ok) return 1;

  // One pass for any number of events that arrive together; a pass is synchronous, so passes
  // never overlap, and events that arrive during one start exactly one more.
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pass();
    });
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(from, { persistent: true }, schedule);
    watcher.on("error", (error) => log.error(`sync: watching ${from} failed (${errorCode(error)}); the timer still re-syncs every ${interval}`));
  } catch (error) {
    log.error(`sync: cannot watch ${from} (${errorCode(error)}); re-syncing every ${interval} only`);
  }
  const timer = setInterval(schedule, durationMs(interval));
  out(`sync: watching ${from}, mirroring its *.json keys into ${to} (re-sync every ${interval})`);
  // Without a way to be told to stop (an Io of a test), run until the process ends.
  const signal = await (io.untilStopped?.() ?? new Promise<never>(() => {}));
  watcher?.close();
  clearInterval(timer);
  out(`sync: stopped by ${signal}`);
  return 0;
}

/** One pass: the Secret's keys read as one version, then the node directory made to match. */
export function syncPass(from: string, to: string, log: Log): PassResult {
  const secret = readSecret(from, log);
  if (secret === null) return { ok: false, refused: new Map(), changes: [] };
  const changes: string[] = [];
  if (!prepareDirectory(to, log)) return { ok: false, refused: secret.refused, changes };
  let ok = true;
  for (const [name, text] of secret.keys) {
    const path = join(to, name);
    const before = currentFile(path);
    if (before !== null && before.text === text && before.mode === FILE_MODE) continue;
    try {
      writeFileAtomic(path, text, FILE_MODE);
      changes.push(`${before === null ? "added" : "updated"} ${name}`);
    } catch (error) {
      log.error(`sync: cannot write ${path} (${errorCode(error)})`);
      ok = false;
    }
  }
  let entries: string[];
  try {
    entries = readdirSync(to).sort();
  } catch (error) {
    log.error(`sync: cannot read ${to} (${errorCode(error)})`);
    return { ok: false, refused: secret.refused, changes };
  }
  for (const name of entries) {
    const path = join(to, name);
    // A temp file of writeFileAtomic for a key that a crash left behind.
    const leftover = atomicTempTarget(name)?.endsWith(".json") === true;
    if (!leftover && (!name.endsWith(".json") || secret.keys.has(name) || secret.refused.has(name))) continue;
    try {
      // Files and links only: a directory (an annotation scope of the file backend) is never ours.
      if (lstatSync(path).isDirectory()) continue;
      unlinkSync(path);
      if (!leftover) changes.push(`removed ${name}`);
    } catch (error) {
      if (errorCode(error) === "ENOENT") continue;
      log.error(`sync: cannot remove ${path} (${errorCode(error)})`);
      ok = false;
    }
  }
  return { ok, refused: secret.refused, changes };
}

interface Secret {
  /** Key name -> the text the file backend's reader accepted. */
  keys: Map<string, string>;
  /** Keys that are there but are not copied: name -> why. */
  refused: Map<string, string>;
}

/** The Secret's keys as one version, or null (reported) when DIR cannot be read. */
function readSecret(from: string, log: Log): Secret | null {
  for (let attempt = 0; attempt < MAX_READS; attempt++) {
    let root: string;
    let names: string[];
    const version = dataVersion(from);
    try {
      root = realpathSync(from);
      names = readdirSync(from).sort();
    } catch (error) {
      log.error(`sync: cannot read ${from} (${errorCode(error)})`);
      return null;
    }
    const secret: Secret = { keys: new Map(), refused: new Map() };
    for (const name of names) {
      // The atomic writer's own entries (..data, ..data_tmp, ..<timestamp>.<random>): never keys.
      if (name.startsWith("..")) continue;
      const problem = readKey(root, from, name, secret);
      if (problem !== null) secret.refused.set(name, problem);
    }
    // The version that was read is the one still published: nothing moved under us.
    if (dataVersion(from) === version) return secret;
  }
  log.error(`sync: ${from} changed during each of ${MAX_READS} reads; trying again at the next change`);
  return null;
}

/** Reads one visible key into `secret.keys`; returns why it is refused, or null. */
function readKey(root: string, from: string, name: string, secret: Secret): string | null {
  if (!name.endsWith(".json")) return `${name} is not a *.json credential file: not copied`;
  let real: string;
  try {
    real = realpathSync(join(from, name));
  } catch (error) {
    const code = errorCode(error);
    // A link into ..data that the current version does not have: a key being removed.
    if (code === "ENOENT") return null;
    return `${name} cannot be resolved (${code}): not copied`;
  }
  if (!real.startsWith(`${root}/`)) return `${name} resolves outside ${from}: not copied`;
  try {
    const file = readCredentialFile(real, name);
    if (file !== null) secret.keys.set(name, file.text);
    return null;
  } catch (error) {
    if (error instanceof BackendError) return `${error.message}: not copied`;
    throw error;
  }
}

/** Where `..data` points (null when there is none): a new value means a new version. */
function dataVersion(from: string): string | null {
  try {
    return readlinkSync(join(from, "..data"));
  } catch {
    return null;
  }
}

/** Creates DIR (0700) or brings its mode to 0700; false (reported) when it cannot. */
function prepareDirectory(to: string, log: Log): boolean {
  try {
    mkdirSync(to, { recursive: true, mode: DIR_MODE });
    const stats = statSync(to);
    if (!stats.isDirectory()) {
      log.error(`sync: ${to} is not a directory`);
      return false;
    }
    if ((stats.mode & 0o7777) !== DIR_MODE) chmodSync(to, DIR_MODE);
    return true;
  } catch (error) {
    log.error(`sync: cannot prepare ${to} (${errorCode(error)})`);
    return false;
  }
}

/** The node's copy of a key when it is a regular file: its text and mode. */
function currentFile(path: string): { text: string; mode: number } | null {
  try {
    const stats = lstatSync(path);
    if (!stats.isFile()) return { text: "", mode: -1 }; // something else there: replaced
    return { text: readFileSync(path, "utf8"), mode: stats.mode & 0o7777 };
  } catch {
    return null;
  }
}
