import * as v from "valibot";
import { describeIssues } from "../src/validation.ts";
import { BackendOptionsError } from "./types.ts";

/** Validates a backend's options at start-up; the error names the backend and the key. */
export function parseOptions<S extends v.GenericSchema>(
  backendName: string,
  schema: S,
  options: unknown,
): v.InferOutput<S> {
  const parsed = v.safeParse(schema, options ?? {});
  if (!parsed.success) {
    throw new BackendOptionsError(`backend "${backendName}": ${describeIssues(parsed.issues)}`);
  }
  return parsed.output;
}
