// Backends as the program builds them (through backends/registry.ts, so messages carry the
// backend's name), with a context that records every message for the tests' secret checks.
import { expect } from "bun:test";
import { createBackends, type BackendType } from "../../backends/registry.ts";
import { isHit, type Backend, type BackendContext, type Hit, type LookupTarget } from "../../backends/types.ts";
import { Deadline } from "../../src/core/deadline.ts";
import { parseImage } from "../../src/core/image.ts";

export type RecordingContext = Omit<BackendContext, "childEnv"> & { messages: string[] };

/** A deadline that does not pass during a test, unless `limitMs` says otherwise. */
export function testDeadline(limitMs = 60_000): Deadline {
  const started = performance.now();
  return new Deadline(limitMs, `${limitMs / 1000}s`, () => performance.now() - started);
}

/**
 * A context that records every message (a chained provider's stderr as "stderr: …"), so tests
 * can check that no secret is in them. Children get the environment the registry derives from it.
 */
export function recordingContext(env: Record<string, string | undefined> = {}, deadline = testDeadline()): RecordingContext {
  const messages: string[] = [];
  return {
    env,
    deadline,
    messages,
    debug: (message) => messages.push(`debug: ${message}`),
    warn: (message) => messages.push(`warn: ${message}`),
    passStderr: (line) => messages.push(`stderr: ${line}`),
  };
}

/** One backend built by the registry, as the chain would get it. */
export function makeBackend(type: BackendType, name: string, options: unknown, context: Omit<BackendContext, "childEnv">): Backend {
  const [backend] = createBackends([{ type, name, options: options as Record<string, unknown> }], context);
  return backend as Backend;
}

/** What a backend is asked for an image, without service-account fields unless given. */
export function lookupTarget(image: string, serviceAccount: LookupTarget["serviceAccount"] = {}): LookupTarget {
  return { ...parseImage(image), serviceAccount };
}

/**
 * One lookup, its hit (null for a miss; `partial` says why a miss was partial) or its error, and
 * every message it produced; asserts that the secret is in neither the messages nor the error.
 */
export async function recordLookup(
  backend: Backend,
  context: { messages: string[] },
  image: string,
  secret: string,
  serviceAccount: LookupTarget["serviceAccount"] = {},
): Promise<{ hit: Hit | null; partial: string | undefined; error: Error | null; messages: string[] }> {
  let result: { hit: Hit | null; partial: string | undefined; error: Error | null };
  try {
    const answer = await backend.lookup(lookupTarget(image, serviceAccount));
    result = isHit(answer) ? { hit: answer, partial: answer.partial, error: null } : { hit: null, partial: answer?.partial, error: null };
  } catch (error) {
    result = { hit: null, partial: undefined, error: error as Error };
  }
  for (const message of context.messages) expect(message).not.toContain(secret);
  expect(result.error?.message ?? "").not.toContain(secret);
  return { ...result, messages: context.messages };
}
