// The provider's settings: built-in defaults, overridden by a JSON config file (--config),
// overridden by flags. The config file is validated strictly: an unknown key is an error naming
// it, and no message repeats a value.
import { resolve } from "node:path";
import * as v from "valibot";
import { BACKEND_TYPES, isBackendType, type BackendSpec } from "../backends/registry.ts";
import type { Options } from "./args.ts";
import { DEFAULTS } from "./core/defaults.ts";
import { FileReadError, readOptionalFile } from "./core/files.ts";
import { checkAs, goDuration, jsonObject, lazySchema, parseJsonAs } from "./core/validation.ts";

export type OnMiss = "error" | "empty";

export interface Settings {
  backends: BackendSpec[];
  /** Canonical Go duration for answers whose source sets none; undefined: the kubelet's own default. */
  defaultCacheDuration: string | undefined;
  onMiss: OnMiss;
  /** null: no syslog. */
  syslogSocket: string | null;
  debug: boolean;
  /** The run's time limit, a canonical Go duration. */
  deadline: string;
  /** The audience of the service-account tokens the kubelet is told to send (kubelet-config). */
  serviceAccountTokenAudience: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}


// The schemas are built on first use (lazySchema): most runs read no config file.

/** A backend entry's `name`. */
export const backendName = lazySchema(() =>
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "must be letters, digits, '.', '_' or '-'")),
);

// Backend entries are loose here: each backend validates its own options when it is created.
const backendEntry = lazySchema(() =>
  jsonObject(
    v.looseObject({
      type: v.picklist(BACKEND_TYPES),
      name: v.optional(backendName()),
    }),
  ),
);

/**
 * The config file's own keys (scripts/config-schema.ts builds config.schema.json from them and
 * each backend's options). `$schema` lets an editor find that schema.
 */
export const configFileFields = lazySchema(() => v.strictObject({
  $schema: v.optional(v.string()),
  backends: v.optional(v.pipe(v.array(backendEntry()), v.nonEmpty("must list at least one backend (leave it out for the default chain)"))),
  defaultCacheDuration: v.optional(goDuration("non-negative")),
  deadline: v.optional(goDuration("positive")),
  serviceAccountTokenAudience: v.optional(v.pipe(v.string(), v.nonEmpty("must not be empty"))),
  onMiss: v.optional(v.picklist(["error", "empty"])),
  log: v.optional(
    jsonObject(
      v.strictObject({
        syslogSocket: v.optional(v.string()),
        debug: v.optional(v.boolean()),
      }),
    ),
  ),
}));
const configFile = lazySchema(() => jsonObject(configFileFields()));
type ConfigFile = v.InferOutput<ReturnType<typeof configFile>>;

/** A config file's text (it must exist); ConfigError names the file and the problem. */
export function readConfigText(path: string): string {
  let text: string | null;
  try {
    text = readOptionalFile(path, DEFAULTS.fileLimits.configFile);
  } catch (error) {
    if (error instanceof FileReadError) throw new ConfigError(`config file: ${error.message}`);
    throw error;
  }
  if (text === null) throw new ConfigError(`config file ${path} does not exist`);
  return text;
}

/** Reads and validates a config file; errors name the file and the field, never a value. */
export function readConfigFile(path: string): ConfigFile {
  return parseConfigFile(path, readConfigText(path));
}

/** Validates the text of the config file at `path` (for messages); errors as readConfigFile's. */
export function parseConfigFile(path: string, text: string): ConfigFile {
  const fail = (problem: string) => new ConfigError(`config file ${path}: ${problem}`);
  const json = parseJsonAs(v.unknown(), text, fail);
  const file = checkAs(configFile(), json, fail);
  // A backend's options are taken from the JSON itself, not from the loose schema's output,
  // which drops keys such as "__proto__" and "constructor" that the backend's strict schema must
  // see (and refuse) like any other unknown key.
  const entries = (json as { backends?: Record<string, unknown>[] }).backends;
  return { ...file, backends: file.backends?.map((entry, i) => ({ ...entry, ...entries?.[i] })) };
}

/** The options of the backend named like its type; a flag for a backend not in the chain is an error. */
function optionsOf(backends: BackendSpec[], type: string, flag: string): Record<string, unknown> {
  const spec = backends.find((s) => s.name === type && s.type === type);
  if (!spec) throw new ConfigError(`${flag} sets the "${type}" backend, which is not in the chain`);
  return spec.options;
}

/** Flags over the config file over the built-in defaults. */
export function resolveSettings(flags: Options, file: ConfigFile = {}): Settings {
  const configured: BackendSpec[] = (file.backends ?? []).map(({ type, name, ...options }) => ({
    type,
    name: name ?? type,
    options,
  }));
  const seen = new Set<string>();
  for (const spec of configured) {
    if (seen.has(spec.name)) {
      throw new ConfigError(`backend name "${spec.name}" is used twice: give one of them another "name"`);
    }
    seen.add(spec.name);
  }

  // --backends picks and orders by name: a configured instance, or a built-in type with its
  // default options. Without it: the config file's list, else every built-in backend.
  const order = flags.backends ?? (file.backends ? configured.map((spec) => spec.name) : DEFAULTS.chain);
  const backends = order.map((name): BackendSpec => {
    const spec = configured.find((s) => s.name === name);
    if (spec) return { ...spec, options: { ...spec.options } };
    if (isBackendType(name)) return { type: name, name, options: {} };
    throw new ConfigError(`unknown backend "${name}": expected a configured name or one of ${BACKEND_TYPES.join(", ")}`);
  });

  // Flags that set one backend's options apply to the instance with the default name.
  // The backends want absolute paths; a path on the command line is relative to where we run.
  if (flags.credroot !== undefined) optionsOf(backends, "file", "--credroot").dir = resolve(flags.credroot);
  if (flags.dockerConfig !== undefined) {
    optionsOf(backends, "docker-config", "--docker-config").files = flags.dockerConfig.map((path) => resolve(path));
  }

  const syslogSocket = flags.syslogSocket ?? file.log?.syslogSocket ?? DEFAULTS.syslogSocket;
  return {
    backends,
    // Both are canonical Go durations already (validated by the flag parser and the schema).
    defaultCacheDuration: flags.cacheDuration ?? file.defaultCacheDuration ?? DEFAULTS.cacheDuration,
    onMiss: flags.onMiss ?? file.onMiss ?? DEFAULTS.onMiss,
    syslogSocket: syslogSocket === "" ? null : syslogSocket,
    debug: flags.debug || (file.log?.debug ?? false),
    deadline: flags.deadline ?? file.deadline ?? DEFAULTS.deadline,
    serviceAccountTokenAudience: file.serviceAccountTokenAudience ?? DEFAULTS.serviceAccountTokenAudience,
  };
}
