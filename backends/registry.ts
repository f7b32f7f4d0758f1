// Backend type name -> factory, and the chain built from the settings. Adding a backend is one
// file in this folder and one line in BACKENDS (docs/ARCHITECTURE.md, "Adding a backend").
import { DEFAULTS } from "../src/core/defaults.ts";
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
  context: Omit<BackendContext, "childEnv">,
): Backend[] {
  let childEnv: Record<string, string | undefined> | undefined;
  const shared = {
    env: context.env,
    deadline: context.deadline,
    // Built when the first child starts: copying a large environment costs start-up time.
    get childEnv() {
      childEnv ??= withoutOwnSecrets(context.env, specs);
      return childEnv;
    },
  };
  return specs.map(({ type, name, options }) => {
    const own: BackendContext = Object.defineProperties(
      {
        debug: (message: string) => context.debug(`${name}: ${message}`),
        warn: (message: string) => context.warn(`${name}: ${message}`),
        passStderr: (line: string) => context.passStderr(`${name}: ${line}`),
      },
      Object.getOwnPropertyDescriptors(shared),
    ) as BackendContext;
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

/**
 * The environment minus the variables that hold credentials for our own backends: every
 * `<prefix>…_USERNAME`, `_PASSWORD` and `_DURATION` of each configured `env` backend, and
 * DOCKER_AUTH_CONFIG. A credential helper or a chained provider needs PATH, HOME and the like,
 * never another registry's password.
 */
function withoutOwnSecrets(env: Readonly<Record<string, string | undefined>>, specs: readonly BackendSpec[]) {
  const prefixes = specs
    .filter((spec) => spec.type === "env")
    .map((spec) => (typeof spec.options.prefix === "string" ? spec.options.prefix : DEFAULTS.envPrefix));
  const secret = (name: string) =>
    name === "DOCKER_AUTH_CONFIG" ||
    (/_(USERNAME|PASSWORD|DURATION)$/.test(name) && prefixes.some((prefix) => name.startsWith(prefix)));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !secret(name)));
}
