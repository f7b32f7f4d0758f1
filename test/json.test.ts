import { describe, expect, test } from "bun:test";
import { describeJsonError, parseJson, scanJson } from "../src/core/json.ts";

describe("parseJson", () => {
  test("valid JSON parses", () => {
    expect(parseJson('{"a": [1, 2, {"b": null}]}')).toEqual({ ok: true, value: { a: [1, 2, { b: null }] } });
  });

  const broken: [string, number, number][] = [
    ['{"password": secret-value}', 1, 14],
    ['{\n  "username": "u",\n  "password": "p"\n  "duration": "5m"\n}', 4, 3],
    ['{"a": "unterminated', 1, 7],
    ["", 1, 1],
    ['{"a": 1} trailing-secret', 1, 10],
    ["{'a': 1}", 1, 2],
    ['{"a": 1,}', 1, 9],
  ];
  for (const [text, line, column] of broken) {
    test(`reports position without content: ${JSON.stringify(text).slice(0, 30)}`, () => {
      const result = parseJson(text);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect({ line: result.line, column: result.column }).toEqual({ line, column });
      const message = describeJsonError(result);
      expect(message).toMatch(/^invalid JSON at line \d+, column \d+: /);
      expect(message).not.toContain("secret");
    });
  }

  test("scanJson agrees with JSON.parse on valid documents", () => {
    for (const text of ['"x"', "1", "-0.5e3", "true", "[]", "{}", '{"a":{"b":[true,false,null,"\\u00e9\\n"]}}']) {
      expect(scanJson(text)).toBeNull();
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  test("duplicate keys are found on request", () => {
    expect(scanJson('{"a":1,"a":2}')).toBeNull();
    expect(scanJson('{"a":1,"a":2}', { rejectDuplicateKeys: true })?.reason).toBe("duplicate key");
    expect(scanJson('{"a":{"b":1},"c":{"b":2}}', { rejectDuplicateKeys: true })).toBeNull();
  });

  test("a duplicate key is reported by position, never by its text (a key may be a secret)", () => {
    const text = '{"fake-secret-key-1234":1,\n "fake-secret-key-1234":2}';
    const result = parseJson(text, { rejectDuplicateKeys: true });
    expect(result).toEqual({ ok: false, line: 2, column: 2, reason: "duplicate key" });
    expect(describeJsonError(result as { line: number; column: number; reason: string })).not.toContain("fake-secret");
    // Keys compare decoded: "\u0061" is "a".
    expect(scanJson('{"a":1,"\\u0061":2}', { rejectDuplicateKeys: true })?.reason).toBe("duplicate key");
  });

  test("numbers of any length are one literal", () => {
    const long = `1${"0".repeat(1000)}.5e10`;
    expect(scanJson(`[${long}]`)).toBeNull();
    // The error is where the document really breaks, after the number.
    const broken = parseJson(`[${long} x]`);
    expect(broken).toMatchObject({ ok: false, line: 1, column: long.length + 3, reason: "expected ',' or ']'" });
  });

  test("nesting of any depth is scanned without recursion", () => {
    const depth = 100_000;
    expect(scanJson("[".repeat(depth) + "]".repeat(depth))).toBeNull();
    expect(scanJson('{"a":'.repeat(depth) + "1" + "}".repeat(depth), { rejectDuplicateKeys: true })).toBeNull();
    expect(parseJson("[".repeat(depth))).toMatchObject({ ok: false, column: depth + 1, reason: "unexpected end of input" });
  });
});
