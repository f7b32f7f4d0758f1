// Backend type name -> factory, and the chain built from the settings. Adding a backend is one
// file in this folder and one line in BACKENDS (docs/ARCHITECTURE.md, "Adding a backend").
import * as v from "valibot";
import { DEFAULTS } from "../src/core/defaults.ts";
import { matchesServiceAccount, ServiceAccountPattern } from "../src/core/service-account.ts";
import { createDockerConfigBackend } from "./docker-config.ts";
import { createEnvBackend } from "./env.ts";
import { createExecBackend } from "./exec.ts";
import { createFileBackend } from "./file.ts";
import { createHelperBackend } from "./helper.ts";
import { parseOptions } from "./support/options.ts";
import { createTokenBackend } from "./token.ts";
import { BackendOptionsError, isHit, type Backend, type BackendContext, type BackendFactory } from "./types.ts";

export const BACKENDS = {
  file: createFileBackend,
  env: createEnvBackend,
  "docker-config": createDockerConfigBackend,
  helper: createHelperBackend,
  exec: createExecBackend,
  token: createTokenBackend,
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
    let scope: readonly string[] | undefined;
    try {
      const { serviceAccounts, ...backendOptions } = options ?? {};
      scope = serviceAccountScope(serviceAccounts, backendOptions);
      backend = BACKENDS[type](backendOptions, own);
    } catch (error) {
      if (error instanceof BackendOptionsError) throw new BackendOptionsError(`backend "${name}": ${error.message}`);
      throw error;
    }
    return {
      name,
      async lookup(target) {
        // A scoped backend is asked only for the service accounts it names (docs/ARCHITECTURE.md,
        // "Service accounts"); without a token in the request it is not asked at all.
        if (scope !== undefined) {
          const { identity } = target.serviceAccount;
          if (identity === undefined || !matchesServiceAccount(scope, identity)) {
            own.debug(identity === undefined ? "not asked: the request names no service account" : "not asked: not for this service account");
            return null;
          }
        }
        const result = await backend.lookup(target);
        return isHit(result) ? { ...result, source: `${name} ${result.source}` } : result;
      },
      inspect: () => backend.inspect(),
    };
  });
}

/** Whether a configuration needs the pod's identity: some backend is scoped, or is a `token` backend. */
export function needsServiceAccountIdentity(specs: readonly BackendSpec[]): boolean {
  return specs.some((spec) => spec.type === "token" || spec.options.serviceAccounts !== undefined);
}

export const ServiceAccounts = v.pipe(v.array(ServiceAccountPattern), v.nonEmpty("must list at least one \"namespace/name\" pattern"));

/**
 * The `serviceAccounts` of an entry, checked, or undefined when it has none. `annotation` lets a
 * service-account annotation choose among credentials, and an annotation can be set by anyone who
 * may edit service accounts in their own namespace: it is allowed only beside `serviceAccounts`,
 * which decides who may choose at all.
 */
function serviceAccountScope(serviceAccounts: unknown, options: Record<string, unknown>): readonly string[] | undefined {
  if (serviceAccounts === undefined) {
    if (options.annotation !== undefined) {
      throw new BackendOptionsError('field "annotation" needs "serviceAccounts" on the same backend (who may choose by annotation)');
    }
    return undefined;
  }
  return parseOptions(v.object({ serviceAccounts: ServiceAccounts }), { serviceAccounts }).serviceAccounts;
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
