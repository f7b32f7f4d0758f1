// The operator commands explain and check, through the compiled binary as an operator runs them.
import { describe, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { SEED_SCRIPT_DIR, seedScriptDirectoryProblems } from "../backends/file.ts";
import type { ExplainReport } from "../src/commands/explain.ts";
import { DEFAULTS } from "../src/core/defaults.ts";
import { runChecked } from "./support/binary.ts";
import { scratchDirectory } from "./support/files.ts";

const SECRET = "fake-commands-secret-7171";
const PATH = "/usr/bin:/bin";
let dir: string;
const put = scratchDirectory("gcp-cmd-", (created) => (dir = created));

/** A command run: stdout is a report, so it must hold no secret either. */
function command(args: string[], env: Record<string, string> = {}) {
  const result = runChecked({ stdin: "", args, env: { PATH, ...env } }, [SECRET], { reportOnFailure: true });
  expect(result.stdout).not.toContain(SECRET);
  return result;
}

describe("explain", () => {
  test("normalises the image as the kubelet does, shows each backend's steps, the answer and the kubelet's view", () => {
    put("creds/example.org.json", { username: "alice", password: SECRET, duration: "2m" });
    const { code, stdout } = command(["explain", "registry.example.org:5000/app:v1", "--backends", "env,file", "--credroot", join(dir, "creds")]);
    expect(code).toBe(0);
    expect(stdout).toContain("the kubelet asks for registry.example.org:5000/app: registry registry.example.org:5000, repository app");
    expect(stdout).toContain("1. env: no credentials");
    expect(stdout).toContain("neither CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_5000_USERNAME nor");
    expect(stdout).toContain("2. file: answered (file example.org.json)");
    expect(stdout).toContain(`${join(dir, "creds", "registry.example.org:5000.json")} not found`);
    expect(stdout).toContain(`registry.example.org:5000: user "alice", password of ${SECRET.length} characters (not shown); the kubelet uses it for this image`);
    expect(stdout).toContain("cacheKeyType Registry");
    expect(stdout).toContain("cacheDuration 2m0s: the answering source");
  });

  test("--json: the documented shape", () => {
    put("creds/registry.example.org.json", { username: "alice", password: SECRET });
    const { code, stdout } = command(["explain", "nginx", "--json", "--backends", "file", "--credroot", join(dir, "creds")]);
    expect(code).toBe(1); // Docker Hub has no credentials here
    const report = JSON.parse(stdout) as ExplainReport;
    expect(report).toEqual({
      image: { given: "nginx", asTheKubeletSendsIt: "docker.io/library/nginx", registry: "docker.io", repository: "library/nginx" },
      serviceAccount: null,
      backends: [{ name: "file", outcome: "no credentials", detail: null, steps: expect.arrayContaining([`${join(dir, "creds", "docker.io.json")} not found`]) }],
      answer: null,
      warnings: [],
      pullsWithCredentials: false,
    });
  });

  test("a scoped backend for the service account given; a broken source is a warning in the report", () => {
    put("team-a/registry.example.org.json", { username: "team-a-user", password: SECRET });
    put("broken/registry.example.org.json", "{not json");
    const config = put("config.json", {
      backends: [
        { type: "file", name: "broken", dir: join(dir, "broken") },
        { type: "file", name: "team-a", dir: join(dir, "team-a"), serviceAccounts: ["team-a/*"] },
      ],
    });
    const asTeamA = command(["explain", "registry.example.org/app", "--config", config, "--service-account", "team-a/builder", "--json"]);
    const report = JSON.parse(asTeamA.stdout) as ExplainReport;
    expect(asTeamA.code).toBe(0);
    expect(report.backends.map((b) => b.outcome)).toEqual(["broken", "answered"]);
    expect(report.answer?.keys).toEqual([{ key: "registry.example.org", username: "team-a-user", passwordLength: SECRET.length, usedForImage: true }]);
    expect(report.warnings).toEqual([expect.stringContaining("broken/registry.example.org.json: invalid JSON at line 1")]);
    const asNobody = command(["explain", "registry.example.org/app", "--config", config]);
    expect(asNobody.code).toBe(1);
    expect(asNobody.stdout).toContain("team-a: no credentials");
    expect(asNobody.stdout).toContain("not asked: the request names no service account");
  });

  test("bad invocations: exit 2 with the command's usage", () => {
    for (const args of [["explain"], ["explain", "a", "b"], ["explain", "UPPER/Case:x:y"], ["explain", "x", "--annotation", "a=b"], ["explain", "x", "--format", "json"]]) {
      const { code, stdout, stderr } = command(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stdout).toBe("");
      expect(stderr).toContain("generic-credential-provider: error: ");
    }
    expect(command(["explain"]).stderr).toContain("Usage: generic-credential-provider explain IMAGE");
  });
});

describe("check", () => {
  test("a good configuration: every backend ok, exit 0", () => {
    const creds = put("creds/registry.example.org.json", { username: "u", password: SECRET });
    chmodSync(join(dir, "creds"), 0o700);
    chmodSync(creds, 0o600);
    const { code, stdout } = command(["check", "--backends", "file", "--credroot", join(dir, "creds")]);
    expect(stdout).toBe("backend file: ok\nno problems\n");
    expect(code).toBe(0);
  });

  test("every problem with its fix: permissions, a broken file, a missing helper, a missing command, a missing directory", () => {
    const creds = put("creds/registry.example.org.json", { username: "u", password: SECRET, pasword: "typo" });
    chmodSync(creds, 0o644);
    chmodSync(join(dir, "creds"), 0o755);
    const docker = put("docker.json", { auths: {}, credHelpers: { "registry.example.org": "missing-helper-name" } });
    chmodSync(docker, 0o600);
    const config = put("config.json", {
      backends: [
        { type: "file", dir: join(dir, "creds") },
        { type: "file", name: "nowhere", dir: join(dir, "nowhere") },
        { type: "docker-config", files: [docker] },
        { type: "helper", helper: "absent", matchImages: ["registry.example.org"] },
        { type: "exec", command: join(dir, "no-such-provider"), env: { TOKEN: SECRET } },
      ],
    });
    chmodSync(config, 0o644);
    const { code, stdout } = command(["check", "--config", config]);
    expect(code).toBe(1);
    expect(stdout).toContain(`${config} can be read by group or others (mode 0644)`); // it holds an exec env value
    expect(stdout).toContain(`fix: chmod 0600 ${config}`);
    expect(stdout).toContain(`${join(dir, "creds")} can be read by group or others (mode 0755)`);
    expect(stdout).toContain(`${creds}: unknown field "pasword"`);
    expect(stdout).toContain(`the credential directory ${join(dir, "nowhere")} does not exist`);
    expect(stdout).toContain(`${docker}: credHelpers entry 1: its docker-credential- program is not on PATH or not executable`);
    expect(stdout).not.toContain("missing-helper-name"); // a name from a docker config file is not ours to print
    expect(stdout).toContain("helper absent: docker-credential-absent is not on PATH");
    expect(stdout).toContain(`${join(dir, "no-such-provider")} is not an executable file`);
  });

  test("a config file without secrets may be read by anyone, not changed", () => {
    put("creds/registry.example.org.json", { username: "u", password: SECRET });
    chmodSync(join(dir, "creds"), 0o700);
    chmodSync(join(dir, "creds/registry.example.org.json"), 0o600);
    const config = put("config.json", { backends: [{ type: "file", dir: join(dir, "creds") }] });
    chmodSync(config, 0o644);
    expect(command(["check", "--config", config]).stdout).toBe(`config file ${config}: ok\nbackend file: ok\nno problems\n`);
    chmodSync(config, 0o664);
    const { code, stdout } = command(["check", "--config", config]);
    expect(code).toBe(1);
    expect(stdout).toContain(`${config} can be changed by group or others (mode 0664)`);
  });

  test("with an annotation, each scope's directory and files are checked", () => {
    const good = put("creds/team-a/registry.example.org.json", { username: "u", password: SECRET });
    const broken = put("creds/team-b/registry.example.org.json", { username: "u", password: SECRET, pasword: "typo" });
    for (const path of [good, broken]) chmodSync(path, 0o600);
    chmodSync(join(dir, "creds"), 0o700);
    chmodSync(join(dir, "creds/team-a"), 0o700);
    chmodSync(join(dir, "creds/team-b"), 0o755);
    const config = put("config.json", { backends: [{ type: "file", dir: join(dir, "creds"), serviceAccounts: ["*/*"], annotation: "example.org/team" }] });
    chmodSync(config, 0o600);
    const { code, stdout } = command(["check", "--config", config]);
    expect(code).toBe(1);
    expect(stdout).toContain(`${join(dir, "creds/team-b")} can be read by group or others (mode 0755)`);
    expect(stdout).toContain(`${broken}: unknown field "pasword"`);
    expect(stdout).not.toContain(join(dir, "creds/team-a"));
  });

  test("a configuration error is exit 2, as for the plugin", () => {
    const config = put("config.json", { nope: 1 });
    expect(command(["check", "--config", config]).code).toBe(2);
  });

  test("the seed script's directory is pointed out when the default directory is used", () => {
    // The rule on its own: the node's real /etc/kubernetes is never touched by a test.
    const exists = (path: string) => path === SEED_SCRIPT_DIR;
    expect(seedScriptDirectoryProblems(DEFAULTS.credroot, exists)).toEqual([
      { severity: "warning", message: `${SEED_SCRIPT_DIR} exists: the Python script read it, this provider reads ${DEFAULTS.credroot}`, fix: `move its files into ${DEFAULTS.credroot}, or give --credroot ${SEED_SCRIPT_DIR}` },
    ]);
    expect(seedScriptDirectoryProblems("/srv/creds", exists)).toEqual([]);
    expect(seedScriptDirectoryProblems(DEFAULTS.credroot, () => false)).toEqual([]);
  });
});
