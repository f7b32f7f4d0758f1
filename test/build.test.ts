// scripts/build.sh: the binary says what it was built from (`version`, whose first line is exactly
// `--version`'s, checked in test/binary.test.ts). The commit is embedded at build time, so it is checked on real builds: the
// binary `npm test` built from this checkout, and a build of a copy of the sources outside any
// git checkout.
import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { BINARY } from "./support/binary.ts";

const ROOT = resolve(import.meta.dir, "..");
const VERSION_LINE = `generic-credential-provider version ${packageJson.version}\n`;

function git(...args: string[]): string | null {
  const result = Bun.spawnSync(["git", "-C", ROOT, ...args], { stdout: "pipe", stderr: "ignore" });
  return result.exitCode === 0 ? result.stdout.toString().trim() : null;
}

/** `version` of a binary: its lines as "name: value" pairs after the version line. */
function buildInfo(binary: string): { first: string; fields: Record<string, string> } {
  const result = Bun.spawnSync([binary, "version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: {} });
  expect({ code: result.exitCode, stderr: result.stderr.toString() }).toEqual({ code: 0, stderr: "" });
  const [first = "", ...rest] = result.stdout.toString().split(/(?<=\n)/);
  const fields = Object.fromEntries(rest.map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2, -1)]));
  return { first, fields };
}

describe("version", () => {
  test("the version command names this checkout's commit, the Bun inside and the platform", () => {
    const { first, fields } = buildInfo(BINARY);
    expect(first).toBe(VERSION_LINE);
    // This checkout's HEAD ("-dirty" when tracked files had changes); a source tarball has none.
    const head = git("rev-parse", "--show-toplevel") === ROOT ? git("rev-parse", "HEAD") : null;
    if (head === null) expect(fields.commit).toBe("unknown");
    else expect(fields.commit).toMatch(new RegExp(`^${head}(-dirty)?$`));
    // The runtime compiled into the binary is the pinned devDependency.
    expect(fields.bun).toBe(`${packageJson.devDependencies.bun} (${Bun.revision})`);
    expect(fields.platform).toBe(`linux-${process.arch}`);
    expect(Object.keys(fields)).toEqual(["commit", "bun", "platform"]);
  });

  test("built outside a git checkout, the commit is unknown", () => {
    const copy = mkdtempSync(join(tmpdir(), "gcp-build-"));
    try {
      for (const path of ["src", "backends", "scripts", "package.json"]) cpSync(join(ROOT, path), join(copy, path), { recursive: true });
      symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
      const binary = join(copy, "dist", "gcp");
      const build = Bun.spawnSync(["bash", join(copy, "scripts", "build.sh"), "--outfile", binary], {
        cwd: copy,
        stdout: "pipe",
        stderr: "pipe",
        // Stop git's search for a repository at the temp directory, wherever that is.
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CEILING_DIRECTORIES: tmpdir() },
      });
      expect({ code: build.exitCode, stderr: build.stderr.toString() }).toMatchObject({ code: 0 });
      const { first, fields } = buildInfo(binary);
      expect(first).toBe(VERSION_LINE);
      expect(fields.commit).toBe("unknown");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
