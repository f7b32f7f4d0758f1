// Test files in temp directories.
import { afterEach, beforeEach } from "bun:test";
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

/**
 * A /bin/sh script body that first logs its argv to $GCP_TEST_ARGV_LOG when set (runChecked in
 * test/support/binary.ts checks every logged argv for secrets), then runs `body`.
 */
export function script(body: string): string {
  return `#!/bin/sh\n[ -n "$GCP_TEST_ARGV_LOG" ] && printf '%s\\n' "$0 $*" >> "$GCP_TEST_ARGV_LOG"\n${body}\n`;
}

/** Writes an executable /bin/sh script (see `script`); returns its path. */
export function putScript(dir: string, name: string, body: string): string {
  const path = put(dir, name, script(body));
  chmodSync(path, 0o755);
  return path;
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
