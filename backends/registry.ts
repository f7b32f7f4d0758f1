// Backend type name -> factory, and the chain built from the settings. Adding a backend is one
// file in this folder and one line in BACKENDS (docs/ARCHITECTURE.md, "Adding a backend").
//
// A backend's module is loaded (and its schemas built) only when the chain has one of its type:
// require() here is what the bundler turns into a module evaluated on first call, where an import
// would evaluate every backend at start-up, in every run (docs/ARCHITECTURE.md, "Start-up").
import type * as DockerConfig from "./docker-config.ts";
import type * as Env from "./env.ts";
import type * as Exec from "./exec.ts";
import type * as File from "./file.ts";
import type * as Helper from "./helper.ts";
import { BackendOptionsError, isHit, type Backend, type BackendContext, type BackendFactory } from "./types.ts";

export const BACKENDS = {
  file: (options, context) => (require("./file.ts") as typeof File).createFileBackend(options, context),
  env: (options, context) => (require("./env.ts") as typeof Env).createEnvBackend(options, context),
  "docker-config": (options, context) =>
    (require("./docker-config.ts") as typeof DockerConfig).createDockerConfigBackend(options, context),
  helper: (options, context) => (require("./helper.ts") as typeof Helper).createHelperBackend(options, context),
  exec: (options, context) => (require("./exec.ts") as typeof Exec).createExecBackend(options, context),
} satisfies Record<string, BackendFactory>;

export type BackendType = keyof typeof BACKENDS;
export const BACKEND_TYPES = Object.keys(BACKENDS) as BackendType[];

export function isBackendType(name: string): name is BackendType {
  return Object.hasOwn(BACKENDS, name);
}

/**
 * Types whose every option has a default: built without options they cannot fail, so such a
 * backend is built when the chain first asks it, and a chain that an earlier backend answers never
 * loads it (test/config.test.ts checks that these accept no options and the others do not).
 */
export const NEEDS_NO_OPTIONS: ReadonlySet<BackendType> = new Set<BackendType>(["file", "env", "docker-config"]);

export interface BackendSpec {
  type: BackendType;
  name: string;
  /** The backend's own options: everything in its config entry but `type` and `name`. */
  options: Record<string, unknown>;
}

/**
 * One backend per spec, in order. Each gets a context whose messages carry its name, and its
 * hits' `source` is prefixed with that name too. Options are validated here; a bad one throws
 * BackendOptionsError naming the backend and the key. A backend given no options whose type needs
 * none is built on its first lookup instead (NEEDS_NO_OPTIONS): there is nothing to check.
 */
export function createBackends(
  specs: readonly BackendSpec[],
  context: Pick<BackendContext, "env" | "debug" | "warn">,
): Backend[] {
  const backends: Backend[] = [];
  for (const { type, name, options } of specs) {
    const own: BackendContext = {
      env: context.env,
      debug: (message) => context.debug(`${name}: ${message}`),
      warn: (message) => context.warn(`${name}: ${message}`),
    };
    const build = (): Omit<Backend, "name"> => {
      try {
        return BACKENDS[type](options, own);
      } catch (error) {
        if (error instanceof BackendOptionsError) throw new BackendOptionsError(`backend "${name}": ${error.message}`);
        throw error;
      }
    };
    let backend = NEEDS_NO_OPTIONS.has(type) && (options == null || Object.keys(options).length === 0) ? null : build();
    backends.push({
      name,
      async lookup(target) {
        backend ??= build();
        const result = await backend.lookup(target);
        return isHit(result) ? { ...result, source: `${name} ${result.source}` } : result;
      },
    });
  }
  return backends;
}
