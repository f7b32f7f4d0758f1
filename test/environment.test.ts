// src/environment.ts: variables looked up in an environ file, the whole environment from process.env.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { processEnvironment } from "../src/environment.ts";
import { sharedScratchDirectory } from "./support/files.ts";

const dir = sharedScratchDirectory("gcp-environ-");
let files = 0;

function environFile(entries: string[]): string {
  const path = join(dir, `environ-${++files}`);
  writeFileSync(path, Buffer.from(`${entries.join("\0")}\0`, "utf8"));
  return path;
}

describe("processEnvironment", () => {
  const env = processEnvironment(
    environFile(["FIRST=1", "HOME=/home/x", "EMPTY=", "EQUALS=a=b", "UTF8=héllo wörld ✓", "NÄME=ä", "PREFIX_ME=no", "LAST=end"]),
  );

  test("finds each variable by its whole name, wherever it is", () => {
    expect(env.FIRST).toBe("1");
    expect(env.HOME).toBe("/home/x");
    expect(env.LAST).toBe("end");
    expect(env.EQUALS).toBe("a=b");
    expect(env.EMPTY).toBe("");
    expect(env.ME).toBeUndefined(); // not the end of PREFIX_ME, nor of HOME
    expect(env.OME).toBeUndefined();
    expect(env.NOPE).toBeUndefined();
    expect("HOME" in env).toBe(true);
    expect("NOPE" in env).toBe(false);
  });

  test("decodes values as UTF-8, as process.env does", () => {
    expect(env.UTF8).toBe("héllo wörld ✓");
    expect(env.NÄME).toBe("ä");
  });

  test("no name with a NUL or '=' matches part of an entry", () => {
    expect(env["HOME=/home/x\0EMPTY"]).toBeUndefined();
    expect(env["FIRST=1"]).toBeUndefined();
  });

  test("the whole environment (keys, spreading, entries) is process.env's, and is from then on", () => {
    const whole = processEnvironment(environFile(["HOME=/home/x", "ONLY_IN_THE_FILE=1"]));
    expect(whole.ONLY_IN_THE_FILE).toBe("1");
    expect(Object.keys(whole)).toEqual(Object.keys(process.env));
    expect({ ...whole }).toEqual({ ...process.env });
    expect(Object.fromEntries(Object.entries(whole))).toEqual({ ...process.env });
    expect(whole.ONLY_IN_THE_FILE).toBeUndefined();
    expect(whole.HOME).toBe(process.env.HOME);
  });

  test("it cannot be changed", () => {
    expect(() => {
      (env as Record<string, string>).HOME = "/elsewhere";
    }).toThrow();
    expect(env.HOME).toBe("/home/x");
  });

  test("without the environ file, process.env answers", () => {
    const fallback = processEnvironment("/nonexistent/environ");
    expect(fallback.PATH).toBe(process.env.PATH);
    expect(fallback.NOT_SET_ANYWHERE_12345).toBeUndefined();
  });

  test("this process's own /proc/self/environ agrees with process.env", () => {
    const own = processEnvironment();
    for (const name of ["PATH", "HOME", "NOT_SET_ANYWHERE_12345"]) expect(own[name]).toBe(process.env[name]);
  });
});
