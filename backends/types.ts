// The contract every backend implements (docs/ARCHITECTURE.md, "The Backend contract"). A backend
// answers one question: does it hold credentials for this image? Three outcomes:
//   a Hit     credentials, and where they came from;
//   null      nothing here: the chain asks the next backend;
//   a thrown BackendError   this source is broken: reported, and the chain asks the next backend.
// Anything else thrown is a bug, reported by its type only.
import type { ImageTarget } from "../src/core/image.ts";
import type { CacheKeyType, Credential } from "../src/core/protocol.ts";

export type { CacheKeyType, Credential, ImageTarget };

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
  /** Absent means "Registry". */
  cacheKeyType?: CacheKeyType;
}

export interface Backend {
  /** The instance's name in logs and errors: "file", or a configured name. */
  readonly name: string;
  lookup(target: ImageTarget): Promise<Hit | null>;
}

/** What a backend may use besides its options; built by backends/registry.ts, tests pass their own. */
export interface BackendContext {
  /** The environment the provider was started with (never read process.env directly). */
  env: Readonly<Record<string, string | undefined>>;
  /** Lookup steps for --debug, already prefixed with the backend's name. Never pass a secret. */
  debug(message: string): void;
  /** Problems that do not stop the lookup, already prefixed with the backend's name. Never pass a secret. */
  warn(message: string): void;
}

/** Builds one backend from its options (validated here, at start-up). Throws BackendOptionsError. */
export type BackendFactory = (options: unknown, context: BackendContext) => Omit<Backend, "name">;

/** A source that exists but cannot be used: unreadable, invalid, or answering junk. */
export class BackendError extends Error {
  override name = "BackendError";
}

/** A backend's options are wrong: reported at start-up, before any lookup runs. */
export class BackendOptionsError extends Error {
  override name = "BackendOptionsError";
}
