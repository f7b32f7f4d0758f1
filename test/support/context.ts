import { expect } from "bun:test";
import type { Backend, BackendContext, Hit } from "../../backends/types.ts";
import { parseImage } from "../../src/image.ts";

/** A BackendContext that records every message, so tests can check that no secret is in them. */
export function recordingContext(env: Record<string, string | undefined> = {}): BackendContext & { messages: string[] } {
  const messages: string[] = [];
  return {
    env,
    messages,
    debug: (message) => messages.push(`debug: ${message}`),
    warn: (message) => messages.push(`warn: ${message}`),
  };
}

/**
 * One lookup, its hit or its error, and every message it produced; asserts that the secret is in
 * neither the messages nor the error.
 */
export async function recordLookup(
  backend: Backend,
  context: { messages: string[] },
  image: string,
  secret: string,
): Promise<{ hit: Hit | null; error: Error | null; messages: string[] }> {
  let result: { hit: Hit | null; error: Error | null };
  try {
    result = { hit: await backend.lookup(parseImage(image)), error: null };
  } catch (error) {
    result = { hit: null, error: error as Error };
  }
  for (const message of context.messages) expect(message).not.toContain(secret);
  expect(result.error?.message ?? "").not.toContain(secret);
  return { ...result, messages: context.messages };
}
