// Fake docker-credential-<name> helpers: shell scripts in a temp bin directory that tests put on
// PATH. Each script sees FAKE_DIR (the temp directory) and FAKE_SECRET in its environment.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { putScript } from "./files.ts";

export interface FakeHelpers {
  dir: string;
  bin: string;
  /** Writes docker-credential-<name> running `script` under /bin/sh. */
  fake(name: string, script: string): void;
  /** An environment with the fakes first on PATH, FAKE_DIR and FAKE_SECRET. */
  env(secret: string, extra?: Record<string, string>): Record<string, string>;
  remove(): void;
}

export function fakeHelpers(prefix: string): FakeHelpers {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  return {
    dir,
    bin,
    fake(name, script) {
      putScript(bin, `docker-credential-${name}`, script);
    },
    env(secret, extra = {}) {
      return { PATH: `${bin}:/usr/bin:/bin`, FAKE_DIR: dir, FAKE_SECRET: secret, ...extra };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
