// Backend type name -> factory, and the chain built from the settings. Adding a backend is one
// file in this folder and one line in BACKENDS (docs/ARCHITECTURE.md, "Adding a backend").
import { createDockerConfigBackend } from "./docker-config.ts";
import { createEnvBackend } from "./env.ts";
import { createExecBackend } from "./exec.ts";
import { createFileBackend } from "./file.ts";
import { createHelperBackend } from "./helper.ts";
import { BackendOptionsError, isHit, type Backend, type BackendContext, type BackendFactory } from "./types.ts";

export const BACKENDS = {
  file: createFileBackend,
  env: createEnvBackend,
  "docker-config": createDockerConfigBackend,
  helper: createHelperBackend,
  exec: createExecBackend,
} satisfies Record<string, BackendFactory>;

export type BackendType = keyof typeof BACKENDS;
export const BACKEND_TYPES = Object.keys(BACKENDS) as BackendType[];

export function isBackendType(name: string): name is BackendType {
  return Object.hasOwn(BACKENDS, name);
}

export interface BackendSpec {
  type: BackendType;
  name: string;
  /** The backend's own options: everything in its config entry but `type` and `name`. */
  options: Record<string, unknown>;
}

/**
 * One backend per spec, in order. Each gets a context whose messages carry its name, and its
 * hits' `source` is prefixed with that name too. Options are validated here; a bad one throws
 * BackendOptionsError naming the backend and the key.
 */
export function createBackends(
  specs: readonly BackendSpec[],
  context: Pick<BackendContext, "env" | "debug" | "warn">,
): Backend[] {
  return specs.map(({ type, name, options }) => {
    const own: BackendContext = {
      env: context.env,
      debug: (message) => context.debug(`${name}: ${message}`),
      warn: (message) => context.warn(`${name}: ${message}`),
    };
    let backend: Omit<Backend, "name">;
    try {
      backend = BACKENDS[type](options, own);
    } catch (error) {
      if (error instanceof BackendOptionsError) throw new BackendOptionsError(`backend "${name}": ${error.message}`);
      throw error;
    }
    return {
      name,
      async lookup(target) {
        const result = await backend.lookup(target);
        return isHit(result) ? { ...result, source: `${name} ${result.source}` } : result;
      },
    };
  });
}
