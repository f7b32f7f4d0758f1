// The contract every backend implements (docs/ARCHITECTURE.md, "The Backend contract"). A backend
// answers one question: does it hold credentials for this image? Three outcomes:
//   a Hit     credentials, and where they came from;
//   null      nothing here: the chain asks the next backend (a PartialMiss says the same, and
//             that the backend holds or is limited to other parts of the image's registry);
//   a thrown BackendError   this source is broken: reported, and the chain asks the next backend.
// Anything else thrown is a bug, reported by its type only.
import type { Deadline } from "../src/core/deadline.ts";
import type { ImageTarget } from "../src/core/image.ts";
import type { CacheKeyType, Credential, ServiceAccountFields } from "../src/core/protocol.ts";
import type { ServiceAccountIdentity } from "../src/core/service-account.ts";

export type { CacheKeyType, Credential, ImageTarget };

/** What a backend is asked about: the image, and the request's service-account fields (never log them). */
export interface LookupTarget extends ImageTarget {
  serviceAccount: ServiceAccountFields & {
    /**
     * Who the pod runs as, from the token's claims: set only when the configuration needs it (a
     * backend with `serviceAccounts`, or a `token` backend) and the request carries a token.
     */
    identity?: ServiceAccountIdentity;
  };
}

export interface Hit {
  /** Keys as the kubelet matches them: host[:port][/path]. */
  auth: Record<string, Credential>;
  /**
   * Where the answer came from, for logs: "example.org.json" from the backend, which the registry
   * turns into "file example.org.json". Never a secret.
   */
  source: string;
  /** A canonical Go duration set by the source; absent means the configured default. */
  cacheDuration?: string;
  /**
   * The widest caching the source allows; absent means "Registry". The chain narrows it to
   * "Image" when the answer is not the same for every image of the registry.
   */
  cacheKeyType?: CacheKeyType;
  /**
   * Why this answer holds only for part of the registry (a matchImages pattern with a path, an
   * earlier file with namespace keys): the chain then answers "Image". For --debug.
   */
  partial?: string;
}

/** Nothing for this image, but something for other images of its registry (see Hit.partial). */
export interface PartialMiss {
  partial: string;
}

export type LookupResult = Hit | PartialMiss | null;

export function isHit(result: LookupResult): result is Hit {
  return result !== null && "auth" in result;
}

export interface Backend {
  /** The instance's name in logs and errors: "file", or a configured name. */
  readonly name: string;
  lookup(target: LookupTarget): Promise<LookupResult>;
  /** What the backend can tell without a request, for the operator commands; never on the kubelet's path. */
  inspect(): Promise<Inspection>;
}

/** Something wrong with what a backend reads or runs, and how to put it right. Never a secret. */
export interface Problem {
  severity: "error" | "warning";
  message: string;
  fix?: string;
}

/** A backend's answer to `check` and `kubelet-config`. */
export interface Inspection {
  /**
   * The kubelet's matchImages patterns of the images it can answer for, from what it holds
   * (credential file names, docker config keys, its own matchImages), or "unknown" when it cannot
   * tell (variable names lose dots and dashes; a credential store or a provider can answer anything).
   */
  registries: string[] | "unknown";
  problems: Problem[];
  /** Names (never values) of the variables that hold its credentials. */
  credentialVariables: string[];
  /** Whether it answers with the pod's service-account token (the kubelet then needs cacheType Token). */
  usesToken?: boolean;
  /** Directories it reads credential files from, which `install` creates (mode 0700) when missing. */
  directories?: string[];
}

/** What a backend may use besides its options; built by backends/registry.ts, tests pass their own. */
export interface BackendContext {
  /** The environment the provider was started with (never read process.env directly). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The environment for a child (a credential helper, a chained provider): `env` without the
   * variables that hold credentials of our own backends (see backends/registry.ts).
   */
  childEnv: Readonly<Record<string, string>>;
  /** The run's deadline: no child may run past it. */
  deadline: Deadline;
  /** A line a chained provider printed on its stderr, passed on prefixed with the backend's name. */
  passStderr(line: string): void;
  /** Lookup steps for --debug, already prefixed with the backend's name. Never pass a secret. */
  debug(message: string): void;
  /** Problems that do not stop the lookup, already prefixed with the backend's name. Never pass a secret. */
  warn(message: string): void;
}

/** Builds one backend from its options (validated here, at start-up). Throws BackendOptionsError. */
export type BackendFactory = (options: unknown, context: BackendContext) => Omit<Backend, "name">;

/** An inspection with nothing to say. */
export function inspection(parts: Partial<Inspection> = {}): Inspection {
  return { registries: [], problems: [], credentialVariables: [], ...parts };
}

/** A source that exists but cannot be used: unreadable, invalid, or answering junk. */
export class BackendError extends Error {
  override name = "BackendError";
}

/** A backend's options are wrong: reported at start-up, before any lookup runs. */
export class BackendOptionsError extends Error {
  override name = "BackendOptionsError";
}
