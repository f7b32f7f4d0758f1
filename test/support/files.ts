// Test files in temp directories.
import { afterAll, afterEach, beforeEach, expect } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Writes `content` (a string as is, anything else as JSON) to dir/name, creating directories; returns the path. */
export function put(dir: string, name: string, content: unknown): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

/** Where fake helpers and providers append their argv, when the variable is set (runChecked sets it). */
export const ARGV_LOG_VARIABLE = "GCP_TEST_ARGV_LOG";

/**
 * A /bin/sh script body that first logs its argv to $GCP_TEST_ARGV_LOG when set (runChecked in
 * test/support/binary.ts checks every logged argv for secrets), then runs `body`.
 */
export function script(body: string): string {
  const log = `$${ARGV_LOG_VARIABLE}`;
  return `#!/bin/sh\n[ -n "${log}" ] && printf '%s\\n' "$0 $*" >> "${log}"\n${body}\n`;
}

/** A docker config `auths` entry as `docker login` writes it: {"auth": base64("user:password")}. */
export function dockerLogin(user: string, password: string): { auth: string } {
  return { auth: Buffer.from(`${user}:${password}`).toString("base64") };
}

/** Makes a FIFO at `path` (mkfifo(1)); returns the path. */
export function mkfifo(path: string): string {
  expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);
  return path;
}

/** Writes an executable /bin/sh script (see `script`); returns its path. */
export function putScript(dir: string, name: string, body: string): string {
  const path = put(dir, name, script(body));
  chmodSync(path, 0o755);
  return path;
}

/** A temp directory made now, for every test of the calling describe block (or file); removed after them. */
export function sharedScratchDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A fresh temp directory for every test of the calling file, removed after it: `use` gets its path
 * before each test, and the returned `put` writes into it.
 */
export function scratchDirectory(prefix: string, use: (dir: string) => void): (name: string, content: unknown) => string {
  let current = "";
  beforeEach(() => {
    current = mkdtempSync(join(tmpdir(), prefix));
    use(current);
  });
  afterEach(() => rmSync(current, { recursive: true, force: true }));
  return (name, content) => put(current, name, content);
}
