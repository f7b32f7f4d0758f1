// JSON parsing that reports where a document is broken without quoting it. JSON.parse's own
// message can include a piece of the text (a password, say), so on failure we scan the text
// ourselves for the position of the first error and report only that.

export type JsonResult =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; reason: string };

export function parseJson(text: string, options: { rejectDuplicateKeys?: boolean } = {}): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const problem = scanJson(text) ?? { offset: 0, reason: "invalid JSON" };
    return { ok: false, ...lineAndColumn(text, problem.offset), reason: problem.reason };
  }
  // JSON.parse keeps the last of repeated keys; strict decoders (the kubelet's) reject them.
  const duplicate = options.rejectDuplicateKeys ? scanJson(text, options) : null;
  if (duplicate) return { ok: false, ...lineAndColumn(text, duplicate.offset), reason: duplicate.reason };
  return { ok: true, value };
}

/** "line 3, column 7: unexpected character" — safe to print: it holds no part of the text. */
export function describeJsonError(error: { line: number; column: number; reason: string }): string {
  return `invalid JSON at line ${error.line}, column ${error.column}: ${error.reason}`;
}

export interface JsonProblem {
  offset: number;
  reason: string;
}

/**
 * Walks a JSON text and returns its first problem, or null when it is valid. With
 * `rejectDuplicateKeys`, a key repeated within one object is a problem too (the kubelet's strict
 * decoder rejects those, JSON.parse silently keeps the last).
 */
export function scanJson(text: string, options: { rejectDuplicateKeys?: boolean } = {}): JsonProblem | null {
  let i = 0;
  class Stop extends Error {
    constructor(readonly problem: JsonProblem) {
      super(problem.reason);
    }
  }
  const fail = (reason: string, at = i): never => {
    throw new Stop({ offset: at, reason });
  };
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const expectChar = (c: string) => {
    if (text[i] !== c) fail(i >= text.length ? "unexpected end of input" : `expected '${c}'`);
    i++;
  };
  const string = (): string => {
    const start = i;
    expectChar('"');
    let out = "";
    while (true) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return out;
      }
      if (c < " ") fail("control character in string");
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("invalid \\u escape");
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail("invalid escape");
        out += e;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === "{") {
      i++;
      const seen = new Set<string>();
      skipSpace();
      if (text[i] === "}") {
        i++;
        return;
      }
      while (true) {
        skipSpace();
        const keyAt = i;
        const key = string();
        if (options.rejectDuplicateKeys && seen.has(key)) fail(`duplicate key "${key}"`, keyAt);
        seen.add(key);
        skipSpace();
        expectChar(":");
        value();
        skipSpace();
        if (text[i] === ",") {
          i++;
          continue;
        }
        expectChar("}");
        return;
      }
    }
    if (c === "[") {
      i++;
      skipSpace();
      if (text[i] === "]") {
        i++;
        return;
      }
      while (true) {
        value();
        skipSpace();
        if (text[i] === ",") {
          i++;
          continue;
        }
        expectChar("]");
        return;
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) fail(i >= text.length ? "unexpected end of input" : "unexpected character");
    i += (literal as RegExpExecArray)[0].length;
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail("unexpected text after the JSON value");
    return null;
  } catch (error) {
    if (error instanceof Stop) return error.problem;
    throw error;
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let j = 0; j < offset && j < text.length; j++) {
    if (text[j] === "\n") {
      line++;
      lineStart = j + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** A JSON object, not null or an array (valibot's object schemas accept arrays). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
