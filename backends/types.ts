// The contract every backend implements (DESIGN.md §4). A backend answers one question: does it
// hold credentials for this image's registry? `null` means "nothing here, ask the next one"; a
// thrown BackendError means "this source is broken" (reported, and the chain goes on).
import type { ImageTarget } from "../src/image.ts";

export type { ImageTarget };

export interface Credential {
  username: string;
  password: string;
}

export type CacheKeyType = "Image" | "Registry" | "Global";

export interface Hit {
  /** Keys as the kubelet matches them: host[:port][/path]. */
  auth: Record<string, Credential>;
  /** Where the answer came from, for logs: "file example.org.json". Never a secret. */
  source: string;
  /** A canonical Go duration; absent means the configured default. */
  cacheDuration?: string;
  /** Absent means "Registry". */
  cacheKeyType?: CacheKeyType;
}

export interface Backend {
  /** The instance's name in logs and errors: "file", or a configured name. */
  readonly name: string;
  lookup(target: ImageTarget): Promise<Hit | null>;
}

/** What a backend may use besides its options; tests pass their own. */
export interface BackendContext {
  /** The environment the provider was started with (never read process.env directly). */
  env: Readonly<Record<string, string | undefined>>;
  /** Lookup steps for --debug. Never pass a secret. */
  debug(message: string): void;
  /** Problems that do not stop the lookup. Never pass a secret. */
  warn(message: string): void;
}

export type BackendFactory = (name: string, options: unknown, context: BackendContext) => Backend;

/** A source that exists but cannot be used: unreadable, invalid, or answering junk. */
export class BackendError extends Error {
  override name = "BackendError";
}

/** A backend's options are wrong: reported at start-up, before any lookup runs. */
export class BackendOptionsError extends Error {
  override name = "BackendOptionsError";
}
