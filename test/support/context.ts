import type { BackendContext } from "../../backends/types.ts";

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
