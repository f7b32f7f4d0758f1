import { describe, expect, test } from "bun:test";
import { describeJsonError, parseJson, scanJson } from "../src/json.ts";

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
    expect(scanJson('{"a":1,"a":2}', { rejectDuplicateKeys: true })?.reason).toBe('duplicate key "a"');
    expect(scanJson('{"a":{"b":1},"c":{"b":2}}', { rejectDuplicateKeys: true })).toBeNull();
  });
});
