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

/** Writes an executable /bin/sh script; returns its path. */
export function putScript(dir: string, name: string, body: string): string {
  const path = put(dir, name, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
