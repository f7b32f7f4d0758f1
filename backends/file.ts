// `file` backend: the seed script's per-registry JSON files, found by domain suffix.
// For "a.b.example.org:5000" it reads the first of a.b.example.org:5000.json, a.b.example.org.json,
// b.example.org.json, example.org.json, org.json that exists. A broken file stops the search:
// falling back to a less specific file could send one registry's credentials to another.
import { join } from "node:path";
import * as v from "valibot";
import { FileReadError, readOptionalFile } from "../src/files.ts";
import { hostCandidates } from "../src/image.ts";
import { describeJsonError, parseJson } from "../src/json.ts";
import { describeIssues, goDuration, jsonObject } from "../src/validation.ts";
import { parseOptions } from "./options.ts";
import { BackendError, type Backend, type BackendFactory } from "./types.ts";

export const DEFAULT_CREDROOT = "/etc/kubernetes/registry";

const FileOptions = v.strictObject({ dir: v.optional(v.string(), DEFAULT_CREDROOT) });

const CredentialFile = jsonObject(v.strictObject({
  username: v.optional(v.string(), ""),
  password: v.optional(v.string(), ""),
  duration: v.optional(goDuration("non-negative")),
}));

export const createFileBackend: BackendFactory = (name, options, context): Backend => {
  const { dir } = parseOptions(name, FileOptions, options);
  return {
    name,
    async lookup(target) {
      for (const candidate of hostCandidates(target)) {
        const fileName = `${candidate}.json`;
        const path = join(dir, fileName);
        let text: string | null;
        try {
          text = readOptionalFile(path);
        } catch (error) {
          if (error instanceof FileReadError) throw new BackendError(error.message);
          throw error;
        }
        if (text === null) {
          context.debug(`${name}: ${path} not found`);
          continue;
        }
        context.debug(`${name}: reading ${path}`);
        const json = parseJson(text);
        if (!json.ok) throw new BackendError(`${path}: ${describeJsonError(json)}`);
        const parsed = v.safeParse(CredentialFile, json.value);
        if (!parsed.success) throw new BackendError(`${path}: ${describeIssues(parsed.issues)}`);
        const { username, password, duration } = parsed.output;
        return {
          auth: { [target.host]: { username, password } },
          source: `${name} ${fileName}`,
          cacheDuration: duration, // canonical Go form, or undefined for the configured default
          cacheKeyType: "Registry",
        };
      }
      return null;
    },
  };
};
