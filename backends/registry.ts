// Backend type name -> factory, and the chain built from the settings. Adding a backend is one
// file in this folder and one line in BACKENDS (docs/ARCHITECTURE.md, "Adding a backend").
//
// A backend's module is loaded (and its schemas built) only when the chain has one of its type:
// require() here is what the bundler turns into a module evaluated on first call, where an import
// would evaluate every backend at start-up, in every run (docs/ARCHITECTURE.md, "Start-up").
import * as v from "valibot";
import type { Deadline } from "../src/core/deadline.ts";
import { DEFAULTS } from "../src/core/defaults.ts";
import { matchesServiceAccount, serviceAccountPattern } from "../src/core/service-account.ts";
import { lazySchema } from "../src/core/validation.ts";
import type * as DockerConfig from "./docker-config.ts";
import type * as Env from "./env.ts";
import type * as Exec from "./exec.ts";
import type * as File from "./file.ts";
import type * as Helper from "./helper.ts";
import { isCredentialVariable } from "./support/env-variables.ts";
import { checkTimeout, parseOptions } from "./support/options.ts";
import type * as Token from "./token.ts";
import { BackendOptionsError, isHit, type Backend, type BackendContext, type BackendFactory } from "./types.ts";

export const BACKENDS = {
  file: (options, context) => (require("./file.ts") as typeof File).createFileBackend(options, context),
  env: (options, context) => (require("./env.ts") as typeof Env).createEnvBackend(options, context),
  "docker-config": (options, context) =>
    (require("./docker-config.ts") as typeof DockerConfig).createDockerConfigBackend(options, context),
  helper: (options, context) => (require("./helper.ts") as typeof Helper).createHelperBackend(options, context),
  exec: (options, context) => (require("./exec.ts") as typeof Exec).createExecBackend(options, context),
  token: (options, context) => (require("./token.ts") as typeof Token).createTokenBackend(options, context),
} satisfies Record<string, BackendFactory>;

export type BackendType = keyof typeof BACKENDS;
export const BACKEND_TYPES = Object.keys(BACKENDS) as BackendType[];

export function isBackendType(name: string): name is BackendType {
  return Object.hasOwn(BACKENDS, name);
}

/**
 * Types whose every option has a default. Given no options, such a backend can fail to build only
 * for the reason its check here looks at (a default time limit longer than the run's deadline), so
 * it is checked now and built when the chain first asks it: a chain that an earlier backend answers
 * never loads it. test/config.test.ts checks, for several deadlines, that each check fails exactly
 * when building fails, with its message, and that every other type needs options.
 */
export const BUILT_WHEN_ASKED: Partial<Record<BackendType, (deadline: Deadline) => void>> = {
  file: () => {},
  env: () => {},
  "docker-config": (deadline) => checkTimeout("helperTimeout", DEFAULTS.childTimeout, deadline),
};

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
 * none is checked now and built on its first use (BUILT_WHEN_ASKED).
 */
export function createBackends(
  specs: readonly BackendSpec[],
  context: Omit<BackendContext, "childEnv">,
): Backend[] {
  let childEnv: Record<string, string> | undefined;
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
    let backend: Omit<Backend, "name"> | null = null;
    let scope: readonly string[] | undefined;
    const { serviceAccounts, ...backendOptions } = options ?? {};
    /** `check()`'s result; an options error names this backend. */
    const named = <T>(check: () => T): T => {
      try {
        return check();
      } catch (error) {
        if (error instanceof BackendOptionsError) throw new BackendOptionsError(`backend "${name}": ${error.message}`);
        throw error;
      }
    };
    const build = () => named(() => BACKENDS[type](backendOptions, own));
    const whenAsked = serviceAccounts === undefined && Object.keys(backendOptions).length === 0 ? BUILT_WHEN_ASKED[type] : undefined;
    named(() => {
      scope = serviceAccountScope(serviceAccounts, backendOptions);
      whenAsked?.(context.deadline);
    });
    if (whenAsked === undefined) backend = build();
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
        backend ??= build();
        const result = await backend.lookup(target);
        return isHit(result) ? { ...result, source: `${name} ${result.source}` } : result;
      },
      inspect: () => (backend ??= build()).inspect(),
    };
  });
}

/** Whether a configuration needs the pod's identity: some backend is scoped, or is a `token` backend. */
export function needsServiceAccountIdentity(specs: readonly BackendSpec[]): boolean {
  return serviceAccountIdentityReason(specs) !== null;
}

/** Why a configuration needs the pod's identity (the first backend that does), or null when it does not. */
export function serviceAccountIdentityReason(specs: readonly BackendSpec[]): string | null {
  for (const spec of specs) {
    if (spec.type === "token") return `backend "${spec.name}" is a token backend`;
    if (spec.options.serviceAccounts !== undefined) return `backend "${spec.name}" has serviceAccounts`;
  }
  return null;
}

export const serviceAccounts = lazySchema(() =>
  v.pipe(v.array(serviceAccountPattern()), v.nonEmpty("must list at least one \"namespace/name\" pattern")),
);

/**
 * The `serviceAccounts` of an entry, checked, or undefined when it has none. `annotation` lets a
 * service-account annotation choose among credentials, and an annotation can be set by anyone who
 * may edit service accounts in their own namespace: it is allowed only beside `serviceAccounts`,
 * which decides who may choose at all.
 */
function serviceAccountScope(patterns: unknown, options: Record<string, unknown>): readonly string[] | undefined {
  if (patterns === undefined) {
    if (options.annotation !== undefined) {
      throw new BackendOptionsError('field "annotation" needs "serviceAccounts" on the same backend (who may choose by annotation)');
    }
    return undefined;
  }
  return parseOptions(v.object({ serviceAccounts: serviceAccounts() }), { serviceAccounts: patterns }).serviceAccounts;
}

/**
 * The environment minus the variables that hold credentials for our own backends: every
 * `<prefix>…_USERNAME`, `_PASSWORD` and `_DURATION` of each configured `env` backend, and
 * DOCKER_AUTH_CONFIG. A credential helper or a chained provider needs PATH, HOME and the like,
 * never another registry's password.
 */
function withoutOwnSecrets(env: Readonly<Record<string, string | undefined>>, specs: readonly BackendSpec[]): Record<string, string> {
  const prefixes = specs
    .filter((spec) => spec.type === "env")
    .map((spec) => (typeof spec.options.prefix === "string" ? spec.options.prefix : DEFAULTS.envPrefix));
  const secret = (name: string) => name === "DOCKER_AUTH_CONFIG" || prefixes.some((prefix) => isCredentialVariable(name, prefix));
  // Also without unset names: this is the one copy every child's environment is made from.
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !secret(name)) out[name] = value;
  return out;
}
