// Validation of a backend's options at start-up, and the option schemas several backends share.
import { isAbsolute } from "node:path";
import * as v from "valibot";
import type { Deadline } from "../../src/core/deadline.ts";
import { DEFAULTS } from "../../src/core/defaults.ts";
import { durationMs } from "../../src/core/duration.ts";
import { checkAs, goDuration } from "../../src/core/validation.ts";
import { BackendOptionsError } from "../types.ts";

/**
 * The options checked against the backend's schema; the error names the key (the registry adds
 * the backend), never a value, nor a key of a record (an exec `env` name could be a pasted secret).
 */
export function parseOptions<S extends v.GenericSchema>(schema: S, options: unknown): v.InferOutput<S> {
  return checkAs(schema, options ?? {}, (problem) => new BackendOptionsError(problem));
}

/** A string option that must say something. */
export const nonEmptyString = v.pipe(v.string(), v.nonEmpty("must not be empty"));

/** `cacheDuration`: unset means the global default (--cache-duration / defaultCacheDuration). */
export const cacheDurationOption = v.optional(goDuration("non-negative"));

/** A child process's time limit. */
export const timeoutOption = v.optional(goDuration("positive"), DEFAULTS.childTimeout);

/**
 * A path in a backend's options. It must be absolute: in a config file a relative path would
 * depend on the kubelet's working directory (a path given as a flag is resolved before this).
 */
export const absolutePath = v.pipe(nonEmptyString, v.check((path) => isAbsolute(path), "must be an absolute path"));

/**
 * A child's time limit must fit in the run's deadline: a longer one could never be waited for, so
 * it is a mistake to say so at start-up rather than a surprise at the deadline.
 */
export function checkTimeout(field: string, timeout: string, deadline: Deadline): void {
  if (durationMs(timeout) > deadline.limitMs) {
    throw new BackendOptionsError(`field "${field}" (${timeout}) is longer than the run's deadline (${deadline.text})`);
  }
}
