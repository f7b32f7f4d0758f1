// `file` backend: the seed script's per-registry JSON files, found by domain suffix.
// For "a.b.example.org:5000" it reads the first of a.b.example.org:5000.json, a.b.example.org.json,
// b.example.org.json, example.org.json, org.json that exists. A broken file stops the search:
// falling back to a less specific file could send one registry's credentials to another.
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { parseGoDuration, formatGoDuration } from "../src/duration.ts";
import { hostCandidates } from "../src/image.ts";
import { describeJsonError, isJsonObject, parseJson } from "../src/json.ts";
import { describeIssues } from "../src/validation.ts";
import { parseOptions } from "./options.ts";
import { BackendError, type Backend, type BackendFactory } from "./types.ts";

export const DEFAULT_CREDROOT = "/etc/kubernetes/registry";

const FileOptions = v.strictObject({ dir: v.optional(v.string(), DEFAULT_CREDROOT) });

const CredentialFile = v.strictObject({
  username: v.optional(v.string(), ""),
  password: v.optional(v.string(), ""),
  duration: v.optional(
    v.pipe(
      v.string(),
      v.check((text) => parseGoDuration(text) !== null, 'is not a Go duration (like "5m0s" or "0h5m0s")'),
      v.check((text) => (parseGoDuration(text) ?? 0n) >= 0n, "must not be negative"),
    ),
  ),
});

export const createFileBackend: BackendFactory = (name, options, context): Backend => {
  const { dir } = parseOptions(name, FileOptions, options);
  return {
    name,
    async lookup(target) {
      for (const candidate of hostCandidates(target)) {
        const fileName = `${candidate}.json`;
        const path = join(dir, fileName);
        const text = readCredentialFile(path);
        if (text === null) {
          context.debug(`${name}: ${path} not found`);
          continue;
        }
        context.debug(`${name}: reading ${path}`);
        const json = parseJson(text);
        if (!json.ok) throw new BackendError(`${path}: ${describeJsonError(json)}`);
        if (!isJsonObject(json.value)) throw new BackendError(`${path}: the document must be a JSON object`);
        const parsed = v.safeParse(CredentialFile, json.value);
        if (!parsed.success) throw new BackendError(`${path}: ${describeIssues(parsed.issues)}`);
        const { username, password, duration } = parsed.output;
        return {
          auth: { [target.host]: { username, password } },
          source: `${name} ${fileName}`,
          cacheDuration: duration === undefined ? undefined : formatGoDuration(parseGoDuration(duration) ?? 0n),
          cacheKeyType: "Registry",
        };
      }
      return null;
    },
  };
};

/** The file's text, or null when there is no such file. Anything else that goes wrong is an error. */
function readCredentialFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      // A dangling symlink also reads as ENOENT, but someone put it there on purpose.
      if (isSymlink(path)) throw new BackendError(`${path} is a symbolic link to a missing file`);
      return null;
    }
    if (code === "EISDIR") throw new BackendError(`${path} is a directory, not a file`);
    if (code === "EACCES" || code === "EPERM") throw new BackendError(`${path} cannot be read: permission denied`);
    throw new BackendError(`${path} cannot be read (${code ?? "unknown error"})`);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
