// install in-process (run(io) with the binary to copy given as io.execPath), and its reading of
// KUBELET_EXTRA_ARGS. The operator's view, through the compiled binary, is test/binary-install.test.ts.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../src/cli.ts";
import { flagStatus, flagValues, readExtraArgs } from "../src/commands/install.ts";
import { put } from "./support/files.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gcp-install-unit-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function install(argv: string[], execPath: string) {
  let stdout = "";
  let stderr = "";
  const code = await run({
    argv: ["install", "--root", join(dir, "root"), "--backends", "env", ...argv],
    env: { HOME: dir, XDG_RUNTIME_DIR: dir },
    readStdin: () => "",
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    pid: 42,
    clock: () => 0,
    execPath,
  });
  return { code, stdout, stderr };
}

describe("install, in-process", () => {
  test("copies io.execPath, the running binary, under the provider's name", async () => {
    const binary = put(dir, "provider-build", "#!/bin/sh\necho a build\n");
    const { code, stdout } = await install(["--match-image", "registry.example.org", "--name", "site"], binary);
    expect(code).toBe(0);
    const installed = join(dir, "root/usr/local/bin/image-credential-provider/site");
    expect(readFileSync(installed, "utf8")).toBe("#!/bin/sh\necho a build\n");
    expect(statSync(installed).mode & 0o777).toBe(0o755);
    expect(stdout).toContain(`${installed}: written (mode 0755)`);
    // The same build again: unchanged; another build: replaced, and no restart for that.
    expect((await install(["--match-image", "registry.example.org", "--name", "site"], binary)).stdout).toContain(`${installed}: unchanged`);
    const newer = put(dir, "provider-build-2", "#!/bin/sh\necho a newer build\n");
    const replaced = await install(["--match-image", "registry.example.org", "--name", "site"], newer);
    expect(replaced.stdout).toContain(`${installed}: replaced (mode 0755)`);
    expect(replaced.stdout).toContain("No kubelet restart needed: only the binary changed");
  });

  test("a binary that cannot be read: refused, nothing changed", async () => {
    const { code, stderr } = await install(["--match-image", "registry.example.org"], join(dir, "missing"));
    expect(code).toBe(1);
    expect(stderr).toContain("cannot be read to be copied. Nothing was changed.");
  });
});

describe("KUBELET_EXTRA_ARGS", () => {
  test("the last assignment counts; quotes, export and indentation are kept apart from the flags", () => {
    expect(readExtraArgs('KUBELET_EXTRA_ARGS="--a --b"\n# KUBELET_EXTRA_ARGS=--c\n  export KUBELET_EXTRA_ARGS=\'--d  --e\'\n')).toEqual({
      index: 2,
      head: "  export KUBELET_EXTRA_ARGS=",
      quote: "'",
      args: ["--d", "--e"],
    });
    expect(readExtraArgs("KUBELET_EXTRA_ARGS=--a --b")).toMatchObject({ index: 0, quote: "", args: ["--a", "--b"] });
    expect(readExtraArgs("OTHER=1\n")).toMatchObject({ index: -1, args: [] });
  });

  test("flags as --flag=value and --flag value", () => {
    expect(flagValues(["--x=1", "--x", "2", "--y=3", "--x"], "--x")).toEqual(["1", "2"]);
  });

  test("what is missing, and what names another path (a trailing slash is the same path)", () => {
    const bin = "/usr/local/bin/image-credential-provider";
    const config = "/etc/kubernetes/image-credential-provider-config.json";
    expect(flagStatus([], bin, config)).toEqual({
      missing: [`--image-credential-provider-bin-dir=${bin}`, `--image-credential-provider-config=${config}`],
      conflicts: [],
    });
    expect(flagStatus([`--image-credential-provider-bin-dir=${bin}/`, "--image-credential-provider-config", config], bin, config)).toEqual({ missing: [], conflicts: [] });
    expect(flagStatus(["--image-credential-provider-config=/etc/other.yaml"], bin, config).conflicts).toEqual(["--image-credential-provider-config=/etc/other.yaml"]);
  });
});
