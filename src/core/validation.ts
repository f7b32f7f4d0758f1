// Turns valibot issues into messages that name the field and what was expected, never the value.
// valibot's own messages end in "Received <value>", which would print a password or a token, so
// they are never used, except for our own check() actions, whose messages we write ourselves.
import * as v from "valibot";
import type { BaseIssue } from "valibot";
import { formatGoDuration, parseGoDuration } from "./duration.ts";
import { describeJsonError, isJsonObject, parseJson, type JsonOptions } from "./json.ts";

/**
 * JSON text checked against a schema: the one way every input (request, config file, credential
 * file, docker config, a helper's or a provider's answer) is read. On a problem, `fail` gets a
 * description that names a position or a field and never quotes the text, and its error is thrown.
 */
export function parseJsonAs<S extends v.GenericSchema>(
  schema: S,
  text: string,
  fail: (problem: string) => Error,
  options: JsonOptions = {},
): v.InferOutput<S> {
  const json = parseJson(text, options);
  if (!json.ok) throw fail(describeJsonError(json));
  return checkAs(schema, json.value, fail);
}

/** A value checked against a schema; on a problem, `fail` gets its description (never the value). */
export function checkAs<S extends v.GenericSchema>(schema: S, value: unknown, fail: (problem: string) => Error): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw fail(describeIssues(parsed.issues));
  return parsed.output;
}

export function describeIssue(issue: BaseIssue<unknown>): string {
  const path = (issue.path ?? []).map((item) => String(item.key)).join(".");
  const field = path === "" ? "the document" : `field "${path}"`;
  if (issue.type === "strict_object" && issue.expected === "never") return `unknown ${field}`;
  if (issue.kind === "schema" && (issue.path?.at(-1) as { origin?: string } | undefined)?.origin === "key") {
    return `missing ${field}`;
  }
  if (issue.kind === "schema") return `${field} must be ${article(issue.expected ?? "valid")}`;
  // Validation and transformation actions: the message is one of ours (see each schema).
  return `${field} ${issue.message}`;
}

/** The first issue, described; valibot lists issues in document order. */
export function describeIssues(issues: readonly BaseIssue<unknown>[]): string {
  const first = issues[0];
  return first ? describeIssue(first) : "invalid";
}

function article(expected: string): string {
  // valibot's "expects" strings: "string", "Object", "boolean", '"a" | "b"', "!0", …
  const word = expected.toLowerCase();
  if (word === "object") return "an object";
  if (word === "array") return "an array";
  if (/^[a-z]+$/.test(word)) return `a ${word}`;
  return `one of ${expected}`;
}

/**
 * A Go duration string (what the kubelet's cacheDuration and our timeouts are), checked and
 * turned into Go's canonical form ("0h5m0s" -> "5m0s"). `sign` says which values are allowed.
 */
export function goDuration(sign: "any" | "non-negative" | "positive" = "any") {
  return v.pipe(
    v.string(),
    v.check((text) => parseGoDuration(text) !== null, 'is not a Go duration (like "5m" or "1h30m")'),
    v.check(
      (text) => {
        const nanos = parseGoDuration(text) ?? 0n;
        return sign === "any" || (sign === "positive" ? nanos > 0n : nanos >= 0n);
      },
      sign === "positive" ? "must be greater than zero" : "must not be negative",
    ),
    v.transform((text) => formatGoDuration(parseGoDuration(text) ?? 0n)),
  );
}

/** A JSON object: valibot's object and record schemas also accept arrays, JSON decoders do not. */
export function jsonObject<S extends v.GenericSchema>(schema: S) {
  return v.pipe(v.unknown(), v.check(isJsonObject, "must be a JSON object"), schema);
}
