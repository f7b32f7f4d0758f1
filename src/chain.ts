// Asks the configured backends in order. The first answer the kubelet can use answers; a miss goes
// on; a broken backend is reported at once and the chain goes on, so one bad source cannot hide a
// good one.
//
// What the kubelet does with an answer decides two things here (pkg/credentialprovider/plugin/
// plugin.go and keyring.go; docs/ARCHITECTURE.md, "Cache scope"):
// - an answer none of whose keys the kubelet's keyring would use for the image is no answer: the
//   kubelet would pull without credentials, so the next backend is asked;
// - "Registry" caching serves the whole auth map to every image of the registry, so an answer is
//   "Registry" only when the chain would give the same answer for every image of it: the answer
//   has a key for the whole registry, and neither it nor an earlier backend holds keys for, or is
//   limited to, only part of the registry. Otherwise it is "Image".
import { BackendError, isHit, type Backend, type Hit, type LookupTarget } from "../backends/types.ts";
import type { Deadline } from "./core/deadline.ts";
import { authCoverage, keyringLookup } from "./core/keyring.ts";
import type { CacheKeyType } from "./core/protocol.ts";
import type { Log } from "./log.ts";

/** What happened at one backend, for `explain`. Never holds a credential. */
export interface ChainStep {
  backend: string;
  outcome: "answered" | "no credentials" | "partial" | "ignored" | "broken" | "not asked";
  /** Why (a partial's reason, an error, the cache scope of an answer). */
  detail?: string;
}

export type ChainResult = (
  | { hit: Hit & { cacheKeyType: CacheKeyType }; backend: Backend; errors: string[]; scopeReason: string | null }
  | { hit: null; errors: string[] }
) & { steps: ChainStep[] };

export async function lookupChain(
  backends: readonly Backend[],
  target: LookupTarget,
  log: Log,
  deadline: Deadline,
): Promise<ChainResult> {
  const errors: string[] = [];
  const steps: ChainStep[] = [];
  // Why answers from here on may differ between images of the registry, once a backend said so.
  let partial: string | null = null;
  for (const [index, backend] of backends.entries()) {
    if (deadline.expired()) {
      const message = `the run's deadline (${deadline.text}) passed before backend ${backend.name} could be asked`;
      errors.push(message);
      log.warn(message);
      for (const rest of backends.slice(index)) steps.push({ backend: rest.name, outcome: "not asked", detail: "the run's deadline passed" });
      break;
    }
    log.debug(`asking backend ${backend.name}`);
    let result;
    try {
      result = await backend.lookup(target);
    } catch (error) {
      const message = describeBackendFailure(backend, error, log);
      errors.push(message);
      log.warn(message);
      steps.push({ backend: backend.name, outcome: "broken", detail: message });
      continue;
    }
    if (!isHit(result)) {
      log.debug(`backend ${backend.name} has no credentials for ${target.image}`);
      if (result !== null) partial ??= `backend ${backend.name}: ${result.partial}`;
      steps.push(result === null ? { backend: backend.name, outcome: "no credentials" } : { backend: backend.name, outcome: "partial", detail: result.partial });
      continue;
    }
    const keys = Object.keys(result.auth);
    const coverage = authCoverage(keys, target.image);
    if (keyringLookup(keys, target.image).length === 0) {
      log.debug(`the answer of backend ${backend.name} (${result.source}) has no key the kubelet uses for ${target.image}; ignored`);
      if (coverage !== "none") partial ??= `backend ${backend.name} has keys for other parts of ${target.host}`;
      steps.push({ backend: backend.name, outcome: "ignored", detail: `none of its keys is one the kubelet uses for ${target.image}` });
      continue;
    }
    const narrowedBy =
      partial ??
      (result.partial === undefined ? null : `backend ${backend.name}: ${result.partial}`) ??
      (coverage === "all" ? null : `the answer has no key for all of ${target.host}`);
    const cacheKeyType = narrowCacheKeyType(result.cacheKeyType ?? "Registry", narrowedBy === null);
    log.debug(`backend ${backend.name} answered from ${result.source}; cacheKeyType ${cacheKeyType}${narrowedBy === null ? "" : ` (${narrowedBy})`}`);
    steps.push({ backend: backend.name, outcome: "answered", detail: result.source });
    for (const rest of backends.slice(index + 1)) steps.push({ backend: rest.name, outcome: "not asked", detail: "an earlier backend answered" });
    return { hit: { ...result, cacheKeyType }, backend, errors, steps, scopeReason: narrowedBy };
  }
  return { hit: null, errors, steps };
}

/**
 * The source's cacheKeyType, never wider than the chain allows: "Image" when the answer is not the
 * same for the whole registry, and never "Global" (the other backends answer other registries
 * differently, and a global entry would serve this answer to all of them).
 */
function narrowCacheKeyType(type: CacheKeyType, sameForRegistry: boolean): CacheKeyType {
  if (type === "Image" || !sameForRegistry) return "Image";
  return "Registry";
}

function describeBackendFailure(backend: Backend, error: unknown, log: Log): string {
  if (error instanceof BackendError) return `backend ${backend.name}: ${error.message}`;
  // A bug, not a broken source. Its message could quote data (JSON.parse does), so only the
  // error's type goes to stderr; --debug adds the stack frames, still without the message.
  const name = error instanceof Error ? error.name : typeof error;
  if (error instanceof Error && error.stack) {
    log.debug(`stack of the ${name} in backend ${backend.name}:\n${error.stack.split("\n").slice(1).join("\n")}`);
  }
  return `backend ${backend.name} failed unexpectedly (${name})`;
}
