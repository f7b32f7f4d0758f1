// `file` backend: the seed script's per-registry JSON files, found by domain suffix.
// For "a.b.example.org:5000" it reads the first of a.b.example.org:5000.json, a.b.example.org.json,
// b.example.org.json, example.org.json, org.json that exists. A broken file stops the search:
// falling back to a less specific file could send one registry's credentials to another.
import { statSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { DEFAULTS } from "../src/core/defaults.ts";
import { FileReadError, readOptionalFile } from "../src/core/files.ts";
import { jsonObject, parseJsonAs } from "../src/core/validation.ts";
import { annotationOption, annotationScope } from "./support/annotation.ts";
import { hostCandidates, suffixPatterns } from "./support/host-candidates.ts";
import { absolutePath, cacheDurationOption, parseOptions } from "./support/options.ts";
import { directoryEntries, fileProblems } from "./support/inspect.ts";
import { BackendError, inspection, type BackendFactory, type Problem } from "./types.ts";

export const FileOptions = v.strictObject({
  dir: v.optional(absolutePath, DEFAULTS.credroot),
  /** A service-account annotation whose value is the subdirectory of `dir` to read. */
  annotation: annotationOption,
});

// The seed script's format. Unknown fields are named (a typo such as "pasword" is easy to find).
const CredentialFile = jsonObject(v.strictObject({
  username: v.optional(v.string(), ""),
  password: v.optional(v.string(), ""),
  duration: cacheDurationOption,
}));

export const createFileBackend: BackendFactory = (options, context) => {
  const { dir: baseDir, annotation } = parseOptions(FileOptions, options);
  return {
    async lookup(target) {
      const scope = annotationScope(annotation, target, context);
      if (scope === null) return null;
      // A DNS label (annotationScope checks it): a plain subdirectory, never a path elsewhere. It
      // comes from the service account, so messages show where it goes, not what it is.
      const dir = scope === undefined ? baseDir : join(baseDir, scope);
      const shownDir = scope === undefined ? baseDir : join(baseDir, `<${annotation}>`);
      for (const candidate of hostCandidates(target)) {
        const fileName = `${candidate}.json`;
        const path = join(dir, fileName);
        const shown = join(shownDir, fileName);
        const file = readCredentialFile(path, shown);
        if (file === null) {
          context.debug(`${shown} not found`);
          continue;
        }
        context.debug(`reading ${shown}`);
        const { username, password, duration } = file.credentials;
        return {
          auth: { [target.host]: { username, password } },
          source: scope === undefined ? fileName : join(`<${annotation}>`, fileName),
          cacheDuration: duration, // canonical Go form, or undefined for the configured default
        };
      }
      // A directory that is not there looks just like "no file for this registry": say so, without
      // --debug, or a typo in --credroot leaves every pull without credentials unexplained.
      const problem = directoryProblem(dir);
      if (problem !== null) context.warn(`the credential directory ${shownDir} ${problem}`);
      return null;
    },

    async inspect() {
      // With an annotation, every subdirectory is a scope whose files some pod may be given.
      const base = directoryEntries(baseDir, "the credential directory");
      const problems = base.problems;
      // Each directory is listed once, by directoryEntries: one that cannot be read is a problem
      // to report, not an error out of `check`.
      const scopes = annotation === undefined ? [{ dir: baseDir, entries: base.entries }] : [];
      for (const entry of annotation === undefined ? [] : base.entries) {
        const dir = join(baseDir, entry);
        if (!isDirectory(dir)) continue;
        const scope = directoryEntries(dir, "the credential directory");
        problems.push(...scope.problems);
        scopes.push({ dir, entries: scope.entries });
      }
      const registries: string[] = [];
      for (const { dir, entries } of scopes) {
        for (const entry of entries) {
          if (!entry.endsWith(".json")) continue;
          const path = join(dir, entry);
          problems.push(...fileProblems(path, () => readCredentialFile(path, path)));
          // The images whose lookup reaches this file, as the kubelet's matchImages patterns.
          const patterns = suffixPatterns(entry.slice(0, -".json".length));
          if (patterns === null) {
            problems.push({ severity: "warning", message: `${path} is never read: its name is not a registry host[:port] in lower case` });
          } else registries.push(...patterns);
        }
      }
      problems.push(...seedScriptDirectoryProblems(baseDir, isDirectory));
      return inspection({ registries: [...new Set(registries)], problems, directories: [baseDir] });
    },
  };
};

/** The Python script's code read /etc/kubernetes/registries/ (its README said .../registry). */
export const SEED_SCRIPT_DIR = "/etc/kubernetes/registries";

/** A node migrated from the Python script may still keep its files where the script read them. */
export function seedScriptDirectoryProblems(dir: string, isDirectory: (path: string) => boolean): Problem[] {
  if (dir !== DEFAULTS.credroot || !isDirectory(SEED_SCRIPT_DIR)) return [];
  return [
    {
      severity: "warning",
      message: `${SEED_SCRIPT_DIR} exists: the Python script read it, this provider reads ${dir}`,
      fix: `move its files into ${dir}, or give --credroot ${SEED_SCRIPT_DIR}`,
    },
  ];
}

/** What a credential file says, checked. */
export type CredentialFileContent = v.InferOutput<typeof CredentialFile>;

/**
 * A credential file, read and checked: its text and what it says, or null when there is none.
 * Throws BackendError naming `shown`, never the content. `sync` (src/commands/sync.ts) copies a
 * Secret's key to the node only as the `text` that this accepted.
 */
export function readCredentialFile(path: string, shown: string): { text: string; credentials: CredentialFileContent } | null {
  let text: string | null;
  try {
    text = readOptionalFile(path, DEFAULTS.fileLimits.credentialFile, shown);
  } catch (error) {
    if (error instanceof FileReadError) throw new BackendError(error.message);
    throw error;
  }
  if (text === null) return null;
  return { text, credentials: parseJsonAs(CredentialFile, text, (problem) => new BackendError(`${shown}: ${problem}`)) };
}

function isDirectory(path: string): boolean {
  return directoryProblem(path) === null;
}

function directoryProblem(dir: string): string | null {
  try {
    return statSync(dir).isDirectory() ? null : "is not a directory";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? "does not exist" : `cannot be read (${code ?? "unknown error"})`;
  }
}
