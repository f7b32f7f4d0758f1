// Turns valibot issues into messages that name the field and what was expected, never the value.
// valibot's own messages end in "Received <value>", which would print a password or a token, so
// they are never used, except for our own check() actions, whose messages we write ourselves.
import type { BaseIssue } from "valibot";

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
