// Test files in temp directories.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
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
