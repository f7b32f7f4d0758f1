// `file` backend: the seed script's per-registry JSON files, found by domain suffix.
// For "a.b.example.org:5000" it reads the first of a.b.example.org:5000.json, a.b.example.org.json,
// b.example.org.json, example.org.json, org.json that exists. A broken file stops the search:
// falling back to a less specific file could send one registry's credentials to another.
import { statSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { DEFAULTS } from "../src/core/defaults.ts";
import { FileReadError, readOptionalFile } from "../src/core/files.ts";
import { goDuration, jsonObject, parseJsonAs } from "../src/core/validation.ts";
import { hostCandidates } from "./support/host-candidates.ts";
import { absolutePath, parseOptions } from "./support/options.ts";
import { BackendError, type BackendFactory } from "./types.ts";

const FileOptions = v.strictObject({ dir: v.optional(absolutePath, DEFAULTS.credroot) });

// The seed script's format. Unknown fields are named (a typo such as "pasword" is easy to find).
const CredentialFile = jsonObject(v.strictObject({
  username: v.optional(v.string(), ""),
  password: v.optional(v.string(), ""),
  duration: v.optional(goDuration("non-negative")),
}));

export const createFileBackend: BackendFactory = (options, context) => {
  const { dir } = parseOptions(FileOptions, options);
  return {
    async lookup(target) {
      for (const candidate of hostCandidates(target)) {
        const fileName = `${candidate}.json`;
        const path = join(dir, fileName);
        let text: string | null;
        try {
          text = readOptionalFile(path, DEFAULTS.fileLimits.credentialFile);
        } catch (error) {
          if (error instanceof FileReadError) throw new BackendError(error.message);
          throw error;
        }
        if (text === null) {
          context.debug(`${path} not found`);
          continue;
        }
        context.debug(`reading ${path}`);
        const { username, password, duration } = parseJsonAs(
          CredentialFile,
          text,
          (problem) => new BackendError(`${path}: ${problem}`),
        );
        return {
          auth: { [target.host]: { username, password } },
          source: fileName,
          cacheDuration: duration, // canonical Go form, or undefined for the configured default
        };
      }
      // A directory that is not there looks just like "no file for this registry": say so, without
      // --debug, or a typo in --credroot leaves every pull without credentials unexplained.
      const problem = directoryProblem(dir);
      if (problem !== null) context.warn(`the credential directory ${dir} ${problem}`);
      return null;
    },
  };
};

function directoryProblem(dir: string): string | null {
  try {
    return statSync(dir).isDirectory() ? null : "is not a directory";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? "does not exist" : `cannot be read (${code ?? "unknown error"})`;
  }
}
