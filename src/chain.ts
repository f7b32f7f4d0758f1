// Asks the configured backends in order. The first hit answers; a miss (null) goes on; a broken
// backend is reported at once and the chain goes on, so one bad source cannot hide a good one.
import { BackendError, type Backend, type Hit } from "../backends/types.ts";
import type { ImageTarget } from "./core/image.ts";
import type { Log } from "./log.ts";

export type ChainResult = { hit: Hit; backend: Backend; errors: string[] } | { hit: null; errors: string[] };

export async function lookupChain(backends: readonly Backend[], target: ImageTarget, log: Log): Promise<ChainResult> {
  const errors: string[] = [];
  for (const backend of backends) {
    log.debug(`asking backend ${backend.name}`);
    let hit: Hit | null;
    try {
      hit = await backend.lookup(target);
    } catch (error) {
      const message = describeBackendFailure(backend, error, log);
      errors.push(message);
      log.warn(message);
      continue;
    }
    if (hit) {
      log.debug(`backend ${backend.name} answered from ${hit.source}`);
      return { hit, backend, errors };
    }
    log.debug(`backend ${backend.name} has no credentials for ${target.host}`);
  }
  return { hit: null, errors };
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
