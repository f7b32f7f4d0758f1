// Turns valibot issues into messages that name the field and what was expected, never the value.
// valibot's own messages end in "Received <value>", which would print a password or a token, so
// they are never used, except for our own check() actions, whose messages we write ourselves.
import * as v from "valibot";
import type { BaseIssue } from "valibot";
import { formatGoDuration, parseGoDuration } from "./duration.ts";
import { describeJsonError, isJsonObject, parseJson, type JsonOptions } from "./json.ts";

export interface ReadOptions extends JsonOptions {
  /**
   * The text comes from outside our own configuration (the kubelet's request, a docker config
   * file, a helper's or a provider's answer). Messages then name only the fields our schema
   * defines and show every other key (an auth key, an annotation, an unknown field) as "<key>": it
   * could be anything, a pasted secret included. Our own config file and credential files name
   * unknown keys, so that a typo such as "pasword" is easy to find.
   */
  external?: boolean;
}

/**
 * A schema built on first use. Building valibot schemas costs start-up time (tens of microseconds
 * each, in a process that lives a few milliseconds), so a schema that a run may not need (a config
 * file's, a chained provider's answer's) is built when it is.
 */
export function lazySchema<S extends v.GenericSchema>(build: () => S): () => S {
  let schema: S | undefined;
  return () => (schema ??= build());
}

/**
 * JSON text checked against a schema: the one way every input (request, config file, credential
 * file, docker config, a helper's or a provider's answer) is read. On a problem, `fail` gets a
 * description that names a position or a field and never quotes a value, and its error is thrown.
 */
export function parseJsonAs<S extends v.GenericSchema>(
  schema: S,
  text: string,
  fail: (problem: string) => Error,
  options: ReadOptions = {},
): v.InferOutput<S> {
  const json = parseJson(text, options);
  if (!json.ok) throw fail(describeJsonError(json));
  return checkAs(schema, json.value, fail, options);
}

/** A value checked against a schema; on a problem, `fail` gets its description (never the value). */
export function checkAs<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  fail: (problem: string) => Error,
  options: ReadOptions = {},
): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw fail(describeIssues(parsed.issues, { known: knownKeys(schema), external: options.external }));
  return parsed.output;
}

/**
 * With `known` (the field names the schema defines), any other key in a path (a key of a record:
 * an auth key, an annotation, a variable name) is shown by its position, never its text. With
 * `external`, an unknown field is not named either (in our own files it is: a typo must be easy
 * to find).
 */
export function describeIssue(
  issue: BaseIssue<unknown>,
  { known, external = false }: { known?: ReadonlySet<string>; external?: boolean | undefined } = {},
): string {
  const items = issue.path ?? [];
  const unknownKey = issue.type === "strict_object" && issue.expected === "never";
  if (unknownKey && known && external) {
    const parent = fieldPath(items.slice(0, -1), known);
    const last = items.at(-1);
    return `unknown field number ${last ? keyPosition(last) : 0} of ${describeField(parent)}`;
  }
  // The unknown key itself is named (our own files); the keys on the way to it follow the rule.
  const path = unknownKey ? [fieldPath(items.slice(0, -1), known), String(items.at(-1)?.key)].filter(Boolean).join(".") : fieldPath(items, known);
  const field = describeField(path);
  if (unknownKey) return `unknown ${field}`;
  if (issue.kind === "schema" && (issue.path?.at(-1) as { origin?: string } | undefined)?.origin === "key") {
    return `missing ${field}`;
  }
  if (issue.kind === "schema") return `${field} must be ${article(issue.expected ?? "valid")}`;
  // Validation and transformation actions: the message is one of ours (see each schema).
  return `${field} ${issue.message}`;
}

/** How messages name a place in a document: `field "auths.<key 2>.auth"`, or "the document". */
export function describeField(path: string): string {
  return path === "" ? "the document" : `field "${path}"`;
}

/** The first issue, described; valibot lists issues in document order. */
export function describeIssues(
  issues: readonly BaseIssue<unknown>[],
  options: { known?: ReadonlySet<string>; external?: boolean | undefined } = {},
): string {
  const first = issues[0];
  return first ? describeIssue(first, options) : "invalid";
}

/**
 * "auths.<key 2>.auth": with `known`, a key the schema does not define is shown by its position
 * among its object's keys (1 is the first), never by its text.
 */
function fieldPath(items: readonly v.IssuePathItem[], known: ReadonlySet<string> | undefined): string {
  return items
    .map((item) =>
      known === undefined || typeof item.key !== "string" || known.has(item.key) ? String(item.key) : `<key ${keyPosition(item)}>`,
    )
    .join(".");
}

function keyPosition(item: v.IssuePathItem): number {
  const input = item.input;
  return input !== null && typeof input === "object" && !Array.isArray(input) ? Object.keys(input).indexOf(String(item.key)) + 1 : 0;
}

const knownKeysCache = new WeakMap<object, ReadonlySet<string>>();

/** Every object key a schema defines, at any depth (walks the schema, never the input). */
export function knownKeys(schema: v.GenericSchema): ReadonlySet<string> {
  let keys = knownKeysCache.get(schema);
  if (keys === undefined) {
    const found = new Set<string>();
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== "object") return;
      const s = node as { kind?: string; entries?: Record<string, unknown>; pipe?: unknown[]; wrapped?: unknown; item?: unknown; value?: unknown; options?: unknown[] };
      if (s.kind !== "schema") return;
      for (const [key, entry] of Object.entries(s.entries ?? {})) {
        found.add(key);
        walk(entry);
      }
      for (const child of [...(s.pipe ?? []), s.wrapped, s.item, s.value, ...(Array.isArray(s.options) ? s.options : [])]) walk(child);
    };
    walk(schema);
    keys = found;
    knownKeysCache.set(schema, keys);
  }
  return keys;
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
