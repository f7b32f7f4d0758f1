import { describe, expect, test } from "bun:test";
import { canonicalGoDuration, formatGoDuration, parseGoDuration } from "../src/core/duration.ts";

describe("Go durations", () => {
  // Expected values are what Go's time.ParseDuration(x).String() prints.
  const canonical: [string, string][] = [
    ["5m", "5m0s"],
    ["0h5m0s", "5m0s"],
    ["5m0s", "5m0s"],
    ["1h30m", "1h30m0s"],
    ["90m", "1h30m0s"],
    ["0", "0s"],
    ["0s", "0s"],
    ["-0", "0s"],
    ["+5s", "5s"],
    ["1.5h", "1h30m0s"],
    [".5s", "500ms"],
    ["5.s", "5s"],
    ["1.5ms", "1.5ms"],
    ["1500us", "1.5ms"],
    ["1µs", "1µs"],
    ["1μs", "1µs"],
    ["999ns", "999ns"],
    ["1h1m1.001s", "1h1m1.001s"],
    ["2h0m0.5s", "2h0m0.5s"],
    ["1m1m", "2m0s"],
    ["24h", "24h0m0s"],
    ["-1m", "-1m0s"],
    ["2562047h47m16.854775807s", "2562047h47m16.854775807s"], // the largest Go duration
  ];
  for (const [input, expected] of canonical) {
    test(`${input} -> ${expected}`, () => expect(canonicalGoDuration(input)).toBe(expected));
  }

  const invalid = ["", "5", "m", "1d", "5 m", "5M", ".s", "-", "1h-5m", "1.2.3s", "2562047h47m16.854775808s", "5m ", " 5m", "300"];
  for (const input of invalid) {
    test(`rejects ${JSON.stringify(input)}`, () => expect(parseGoDuration(input)).toBeNull());
  }

  test("nanoseconds", () => {
    expect(parseGoDuration("5m")).toBe(300_000_000_000n);
    expect(parseGoDuration("-1s")).toBe(-1_000_000_000n);
    expect(formatGoDuration(1n)).toBe("1ns");
    expect(formatGoDuration(1_000_000_000n)).toBe("1s");
    expect(formatGoDuration(-1_500_000n)).toBe("-1.5ms");
  });
});
