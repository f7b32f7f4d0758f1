// run() in-process: the same code path as the binary, with stdin/stdout/stderr as strings.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, UsageError } from "../src/args.ts";
import { scratchDirectory } from "./support/files.ts";
import { run } from "../src/cli.ts";
import { VERSION } from "../src/version.ts";
import { DEFAULTS } from "../src/core/defaults.ts";
import { InputError } from "../src/stdin.ts";
import { kubeletDecode } from "./support/kubelet.ts";
import packageJson from "../package.json" with { type: "json" };

const SECRET = "fake-cli-secret-0000";
const V1 = "credentialprovider.kubelet.k8s.io/v1";
let dir: string;

scratchDirectory("gcp-cli-", (created) => {
  dir = created;
  writeFileSync(join(dir, "registry.example.org.json"), JSON.stringify({ username: "user", password: SECRET, duration: "0h10m0s" }));
});

async function cli(argv: string[], stdin: string | (() => string)) {
  let stdout = "";
  let stderr = "";
  const code = await run({
    argv,
    // The docker-config backend's default list is then in the temp dir, not the real home or /run.
    env: { HOME: dir, XDG_RUNTIME_DIR: dir },
    readStdin: typeof stdin === "string" ? () => stdin : stdin,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    pid: 42,
    clock: () => 0,
  });
  expect(stderr).not.toContain(SECRET);
  if (code !== 0) expect(stdout).toBe("");
  return { code, stdout, stderr };
}

const req = (image: string, extra: object = {}) => JSON.stringify({ apiVersion: V1, kind: "CredentialProviderRequest", image, ...extra });
const base = () => ["--credroot", dir, "--syslog-socket", ""];

describe("run", () => {
  test("answers with the file's credentials", async () => {
    const { code, stdout, stderr } = await cli(base(), req("registry.example.org/org/image:latest"));
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toBe(
      `{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"10m0s",` +
        `"auth":{"registry.example.org":{"username":"user","password":"${SECRET}"}}}\n`,
    );
    kubeletDecode(stdout, V1);
  });

  test("unknown request fields are accepted and never logged", async () => {
    const token = "fake-service-account-token-1111";
    const { code, stderr } = await cli(
      [...base(), "--debug"],
      req("registry.example.org/x", { serviceAccountToken: token, serviceAccountAnnotations: { a: token }, future: 1 }),
    );
    expect(code).toBe(0);
    expect(stderr).toContain("debug:");
    expect(stderr).not.toContain(token);
  });

  test("--debug shows the files tried and never a credential", async () => {
    const { stderr } = await cli([...base(), "-d"], req("a.registry.example.org/x"));
    expect(stderr).toContain(join(dir, "a.registry.example.org.json") + " not found");
    expect(stderr).toContain(`reading ${join(dir, "registry.example.org.json")}`);
    expect(stderr).toContain("answered from file registry.example.org.json");
    expect(stderr).not.toContain("user\""); // not even the username is printed
  });

  test("miss: exit 1, the seed's message, nothing on stdout", async () => {
    const { code, stdout, stderr } = await cli(base(), req("not-here.tld/test:latest"));
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("not-here.tld is an unknown source");
  });

  test("miss with --on-miss empty: an empty, uncached answer", async () => {
    const { code, stdout } = await cli([...base(), "--on-miss", "empty"], req("not-here.tld/test"));
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1)).toEqual({
      apiVersion: V1,
      kind: "CredentialProviderResponse",
      cacheKeyType: "Registry",
      cacheDuration: "0s",
      auth: {},
    });
  });

  test("a broken file is reported, and every error is listed when nothing answers", async () => {
    writeFileSync(join(dir, "broken.example.json"), `{"password": ${SECRET}}`);
    const { code, stderr } = await cli(base(), req("broken.example/x"));
    expect(code).toBe(1);
    expect(stderr).toContain(`backend file: ${join(dir, "broken.example.json")}: invalid JSON`);
    expect(stderr).toContain("no credentials for broken.example: 1 backend(s) failed (see above; asked: file, env, docker-config)");
    expect(stderr).not.toContain("unknown source");
  });
});

describe("bad input: exit 2, one clear line", () => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "hello", /request is not JSON: invalid JSON at line 1, column 1/],
    ["a JSON array", "[]", /request must be a JSON object/],
    ["wrong kind", JSON.stringify({ apiVersion: V1, kind: "CredentialProviderResponse", image: "x" }), /kind must be "CredentialProviderRequest"/],
    ["missing kind", JSON.stringify({ apiVersion: V1, image: "x" }), /kind must be/],
    ["unsupported apiVersion", JSON.stringify({ apiVersion: "credentialprovider.kubelet.k8s.io/v2", kind: "CredentialProviderRequest", image: "x" }), /unsupported request apiVersion/],
    ["missing image", JSON.stringify({ apiVersion: V1, kind: "CredentialProviderRequest" }), /request has no "image"/],
    ["empty image", req(""), /field "image" must not be empty/],
    ["image not a string", JSON.stringify({ apiVersion: V1, kind: "CredentialProviderRequest", image: 5 }), /field "image" must be a string/],
    ["invalid image", req("../../etc/passwd"), /invalid image reference: repository path/],
    ["traversal in host", req("..%2f/x"), /invalid image reference/],
    ["NUL in host", req("reg\u0000.example.org/x"), /invalid image reference: registry host/],
    ["a token that is not a string", req("registry.example.org/x", { serviceAccountToken: 42 }), /field "serviceAccountToken" must be a string\n$/],
    ["annotations that are not strings", req("registry.example.org/x", { serviceAccountAnnotations: { "a.example.org/x": SECRET.length } }), /field "serviceAccountAnnotations\.<key 1>" must be a string\n$/],
    ["annotations that are an array", req("registry.example.org/x", { serviceAccountAnnotations: [SECRET] }), /field "serviceAccountAnnotations" must be a JSON object\n$/],
  ];
  for (const [what, stdin, message] of cases) {
    test(what, async () => {
      const { code, stdout, stderr } = await cli(base(), stdin);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toMatch(message);
    });
  }

  test("stdin over the cap", async () => {
    const { code, stderr } = await cli(base(), () => {
      throw new InputError(`request is larger than ${DEFAULTS.stdinMaxBytes} bytes`);
    });
    expect(code).toBe(2);
    expect(stderr).toContain("request is larger than 1048576 bytes");
  });
});

describe("flags", () => {
  test("--version and -v", async () => {
    expect(VERSION).toBe(packageJson.version);
    for (const flag of ["--version", "-v"]) {
      const { code, stdout } = await cli([flag], "");
      expect(code).toBe(0);
      expect(stdout).toBe(`generic-credential-provider version ${packageJson.version}\n`);
    }
  });
  test("the version command: the version line, then the build's commit, Bun and the platform", async () => {
    const { code, stdout } = await cli(["version"], "");
    expect(code).toBe(0);
    // Run from source there is no build, so no commit.
    expect(stdout).toBe(
      `generic-credential-provider version ${packageJson.version}\n` +
        "commit: unknown\n" +
        `bun: ${Bun.version} (${Bun.revision})\n` +
        `platform: ${process.platform}-${process.arch}\n`,
    );
    expect(await cli(["version", "extra"], "")).toMatchObject({ code: 2, stdout: "" });
  });
  test("--help", async () => {
    const { code, stdout } = await cli(["--help"], "");
    expect(code).toBe(0);
    for (const flag of ["--credroot", "--debug", "--version", "--on-miss", "--syslog-socket"]) expect(stdout).toContain(flag);
  });
  test("credroot forms", () => {
    for (const argv of [["--credroot", "/d"], ["--credroot=/d"], ["-c", "/d"], ["-c/d"]]) {
      expect(parseArgs(argv).options.credroot).toBe("/d");
    }
    expect(parseArgs(["-dv"]).options).toMatchObject({ debug: true, version: true });
    expect(parseArgs([])).toEqual({ command: "provide", options: { help: false, version: false, debug: false }, positionals: [] });
  });
  const bad: [string[], RegExp][] = [
    [["--nope"], /unknown option --nope/],
    [["--password=hunter2"], /unknown option --password/],
    [["-x"], /unknown option -x/],
    [["positional"], /unexpected argument/],
    [["--credroot"], /option --credroot needs a value/],
    [["--debug=yes"], /option --debug takes no value/],
    [["--on-miss", "maybe"], /option --on-miss must be one of: error, empty/],
  ];
  for (const [argv, message] of bad) {
    test(`usage error: ${argv.join(" ")}`, async () => {
      expect(() => parseArgs(argv)).toThrow(UsageError);
      const { code, stdout, stderr } = await cli(argv, req("registry.example.org/x"));
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(message);
      expect(stderr).not.toContain("hunter2");
    });
  }
});

describe("--cache-duration", () => {
  test("is validated and canonical", () => {
    expect(parseArgs(["--cache-duration", "90s"]).options.cacheDuration).toBe("1m30s");
    expect(() => parseArgs(["--cache-duration", "5 minutes"])).toThrow('option --cache-duration is not a Go duration (like "5m" or "1h30m")');
    expect(() => parseArgs(["--cache-duration=-1m"])).toThrow("option --cache-duration must not be negative");
  });
});
