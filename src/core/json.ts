// JSON parsing that reports where a document is broken without quoting it. JSON.parse's own
// message can include a piece of the text (a password, say), so on failure we scan the text
// ourselves for the position of the first error and report only that. The scanner keeps its own
// stack instead of recursing, so no nesting depth can overflow it.

export type JsonResult =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; reason: string };

export interface JsonOptions {
  /**
   * Reject a key repeated within one object, as the kubelet's strict decoder does (JSON.parse
   * silently keeps the last). Costs a second pass over the text, so only for documents that need it.
   */
  rejectDuplicateKeys?: boolean;
}

export function parseJson(text: string, options: JsonOptions = {}): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const problem = scanJson(text) ?? { offset: 0, reason: "invalid JSON" };
    return { ok: false, ...lineAndColumn(text, problem.offset), reason: problem.reason };
  }
  const duplicate = options.rejectDuplicateKeys ? scanJson(text, options) : null;
  if (duplicate) return { ok: false, ...lineAndColumn(text, duplicate.offset), reason: duplicate.reason };
  return { ok: true, value };
}

/** "invalid JSON at line 3, column 7: unexpected character": holds no part of the text. */
export function describeJsonError(error: { line: number; column: number; reason: string }): string {
  return `invalid JSON at line ${error.line}, column ${error.column}: ${error.reason}`;
}

export interface JsonProblem {
  offset: number;
  /** Our own words: never a piece of the text, not even a key. */
  reason: string;
}

const SPACE = /[ \t\n\r]*/y;
const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// The body of a string up to its closing quote or its first escape or control character.
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

type Frame = { kind: "array" } | { kind: "object"; keys: Set<string> | null };
type Expect = "value" | "value-or-close" | "key" | "key-or-close" | "after-value";

/**
 * Walks a JSON text and returns its first problem, or null when it is valid (with
 * `rejectDuplicateKeys`, a repeated key is a problem too).
 */
export function scanJson(text: string, options: JsonOptions = {}): JsonProblem | null {
  const stack: Frame[] = [];
  let expect: Expect = "value";
  let i = 0;
  const at = (reason: string, offset = i): JsonProblem => ({ offset, reason });
  const end = (what: string) => (i >= text.length ? "unexpected end of input" : what);

  while (true) {
    SPACE.lastIndex = i;
    SPACE.test(text);
    i = SPACE.lastIndex;
    const c = text[i];
    const top = stack[stack.length - 1];

    if (expect === "after-value") {
      if (top === undefined) return i < text.length ? at("unexpected text after the JSON value") : null;
      const close = top.kind === "object" ? "}" : "]";
      if (c === ",") expect = top.kind === "object" ? "key" : "value";
      else if (c === close) stack.pop();
      else return at(end(`expected ',' or '${close}'`));
      i++;
      continue;
    }
    if ((expect === "key-or-close" && c === "}") || (expect === "value-or-close" && c === "]")) {
      stack.pop();
      expect = "after-value";
      i++;
      continue;
    }
    if (expect === "key" || expect === "key-or-close") {
      if (c !== '"') return at(end("expected '\"'"));
      const keyAt = i;
      const key = scanString(text, i);
      if ("reason" in key) return key;
      i = key.end;
      const keys = (top as { keys: Set<string> | null }).keys;
      if (keys !== null) {
        if (keys.has(key.value)) return at("duplicate key", keyAt);
        keys.add(key.value);
      }
      SPACE.lastIndex = i;
      SPACE.test(text);
      i = SPACE.lastIndex;
      if (text[i] !== ":") return at(end("expected ':'"));
      i++;
      expect = "value";
      continue;
    }
    // A value.
    if (c === "{") {
      stack.push({ kind: "object", keys: options.rejectDuplicateKeys ? new Set() : null });
      expect = "key-or-close";
      i++;
    } else if (c === "[") {
      stack.push({ kind: "array" });
      expect = "value-or-close";
      i++;
    } else if (c === '"') {
      const string = scanString(text, i);
      if ("reason" in string) return string;
      i = string.end;
      expect = "after-value";
    } else {
      LITERAL.lastIndex = i;
      if (!LITERAL.test(text)) return at(end("unexpected character"));
      i = LITERAL.lastIndex;
      expect = "after-value";
    }
  }
}

/** The string starting at `start` (a '"'): its decoded value and where it ends; or the problem. */
function scanString(text: string, start: number): { value: string; end: number } | JsonProblem {
  let i = start + 1;
  let out = "";
  while (true) {
    PLAIN_CHARS.lastIndex = i;
    PLAIN_CHARS.test(text);
    out += text.slice(i, PLAIN_CHARS.lastIndex);
    i = PLAIN_CHARS.lastIndex;
    const c = text[i];
    if (c === '"') return { value: out, end: i + 1 };
    if (c === undefined) return { offset: start, reason: "unterminated string" };
    if (c !== "\\") return { offset: i, reason: "control character in string" };
    ESCAPE.lastIndex = i;
    if (!ESCAPE.test(text)) return { offset: i, reason: text[i + 1] === "u" ? "invalid \\u escape" : "invalid escape" };
    const escape = text.slice(i + 1, ESCAPE.lastIndex);
    out += escape.length === 5 ? String.fromCharCode(parseInt(escape.slice(1), 16)) : ESCAPES[escape];
    i = ESCAPE.lastIndex;
  }
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let j = text.indexOf("\n"); j !== -1 && j < offset; j = text.indexOf("\n", j + 1)) {
    line++;
    lineStart = j + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** A JSON object, not null or an array (valibot's object schemas accept arrays). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
