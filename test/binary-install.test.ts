// `install` through the compiled binary, into a temp root (--root), as an operator or a node
// image build runs it: modes, idempotence, --dry-run, restart advice, the kubelet env file, and
// replacing a binary while a copy of it runs.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { credentialProviderConfigProblems, type CredentialProviderConfig } from "../src/core/kubelet-config.ts";
import { BINARY, request, runBinary } from "./support/binary.ts";
import { put as putFile } from "./support/files.ts";
import { kubeletDecode } from "./support/kubelet.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const SECRET = "fake-install-secret-6262";
const PATH = "/usr/bin:/bin";
const BIN_DIR = "/usr/local/bin/image-credential-provider";
const PROVIDER_CONFIG = "/etc/kubernetes/image-credential-provider-config.json";
const FLAGS = `--image-credential-provider-bin-dir=${BIN_DIR} --image-credential-provider-config=${PROVIDER_CONFIG}`;
let dir: string;
let root: string;
let creds: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gcp-install-"));
  root = join(dir, "root");
  creds = join(dir, "creds");
  putFile(creds, "registry.example.org.json", { username: "installed-user", password: SECRET });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const onNode = (path: string) => join(root, path);
const installedBinary = () => onNode(`${BIN_DIR}/generic-credential-provider`);
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8).padStart(4, "0");
const providerConfig = () => JSON.parse(readFileSync(onNode(PROVIDER_CONFIG), "utf8")) as CredentialProviderConfig;

/** Runs install into the temp root, the credential directory a file backend's (outside the root: only read). */
function install(args: string[] = [], options: { credroot?: string; env?: Record<string, string> } = {}) {
  const result = runBinary({
    stdin: "",
    args: ["install", "--root", root, "--backends", "file", "--credroot", options.credroot ?? creds, ...args],
    env: options.env ?? { PATH },
    cwd: dir,
  });
  expect(result.stdout + result.stderr).not.toContain(SECRET);
  return result;
}

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** Every path under the root, with its mode and size: a snapshot to compare runs with. */
function snapshot(): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true, encoding: "utf8" }) as string[])
    .sort()
    .map((path) => {
      const stats = statSync(join(root, path));
      return `${path} ${(stats.mode & 0o7777).toString(8)} ${stats.isFile() ? stats.size : "dir"} ${stats.mtimeMs}`;
    });
}

describe("install into a temp root", () => {
  test("binary 0755, credential directory 0700, provider config 0600; the kubelet flags and where they go", () => {
    putFile(root, "etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=\n");
    const { code, stdout, stderr } = install(["--match-image", "registry.example.org"], { credroot: join(dir, "new-creds") });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(mode(installedBinary())).toBe("0755");
    expect(readFileSync(installedBinary()).equals(readFileSync(BINARY))).toBe(true);
    expect(mode(onNode(join(dir, "new-creds")))).toBe("0700"); // the file backend's directory, created
    expect(mode(onNode(PROVIDER_CONFIG))).toBe("0600");
    expect(credentialProviderConfigProblems(providerConfig())).toEqual([]);
    expect(stdout).toContain(`binary            ${installedBinary()}: written (mode 0755)`);
    expect(stdout).toContain(`credential dir    ${onNode(join(dir, "new-creds"))}: created (mode 0700)`);
    expect(stdout).toContain(`provider config   ${onNode(PROVIDER_CONFIG)}: written (mode 0600)`);
    expect(stdout).toContain(`Kubelet flags:\n  --image-credential-provider-bin-dir=${BIN_DIR}\n  --image-credential-provider-config=${PROVIDER_CONFIG}\n`);
    expect(stdout).toContain("/etc/sysconfig/kubelet exists: add them to KUBELET_EXTRA_ARGS there, or run install again with --kubelet-env-file /etc/sysconfig/kubelet");
    expect(stdout).toContain("Kubelet restart needed: the provider config changed");
  });

  test("the installed binary answers as the kubelet runs it: with the provider config's args", () => {
    expect(install().code).toBe(0);
    const [provider] = providerConfig().providers;
    expect(provider?.matchImages).toContain("registry.example.org");
    const installed = Bun.spawnSync([installedBinary(), ...(provider?.args ?? []), "--syslog-socket", ""], { stdin: Buffer.from(request("registry.example.org/app")), env: { PATH }, cwd: dir });
    expect(installed.stderr.toString()).not.toContain(SECRET);
    expect(installed.exitCode).toBe(0);
    expect(kubeletDecode(installed.stdout.toString(), V1).auth?.["registry.example.org"]?.username).toBe("installed-user");
  });

  test("a second run changes nothing and says no restart is needed", () => {
    expect(install().code).toBe(0);
    const before = snapshot();
    const { code, stdout } = install();
    expect(code).toBe(0);
    expect(snapshot()).toEqual(before);
    expect(stdout).toContain(`binary            ${installedBinary()}: unchanged`);
    expect(stdout).toContain(`provider config   ${onNode(PROVIDER_CONFIG)}: unchanged`);
    expect(stdout).toContain("Nothing to change: everything is in place. No kubelet restart needed.");
  });

  test("--dry-run writes nothing, and says what it would do", () => {
    const { code, stdout } = install(["--dry-run", "--kubelet-env-file", "/etc/default/kubelet"]);
    expect(code).toBe(0);
    expect(snapshot()).toEqual([]);
    expect(stdout).toContain("Dry run: nothing is changed.");
    expect(stdout).toContain(`${installedBinary()}: would be written (mode 0755)`);
    expect(stdout).toContain(`${onNode("/etc/default/kubelet")}: would be written with KUBELET_EXTRA_ARGS added (both flags)`);
    expect(stdout).toContain("Kubelet restart would be needed");
  });

  test("a changed provider config needs a restart; a changed binary alone does not", () => {
    expect(install().code).toBe(0);
    const changed = install(["--match-image", "registry.example.org", "--match-image", "registry.example.org:5000"]);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toContain(`provider config   ${onNode(PROVIDER_CONFIG)}: replaced (mode 0600)`);
    expect(changed.stdout).toContain("Kubelet restart needed: the provider config changed");
    expect(providerConfig().providers[0]?.matchImages).toEqual(["registry.example.org", "registry.example.org:5000"]);

    writeFileSync(installedBinary(), "an older version"); // the same config, another binary
    chmodSync(installedBinary(), 0o700);
    const binaryOnly = install(["--match-image", "registry.example.org", "--match-image", "registry.example.org:5000"]);
    expect(binaryOnly.stdout).toContain(`binary            ${installedBinary()}: replaced (mode 0755)`);
    expect(binaryOnly.stdout).toContain("No kubelet restart needed: only the binary changed; the kubelet runs the provider afresh for every pull");
    expect(mode(installedBinary())).toBe("0755");

    chmodSync(onNode(PROVIDER_CONFIG), 0o644); // a mode alone: set back, no restart
    const modeOnly = install(["--match-image", "registry.example.org", "--match-image", "registry.example.org:5000"]);
    expect(modeOnly.stdout).toContain(`provider config   ${onNode(PROVIDER_CONFIG)}: mode set to 0600`);
    expect(modeOnly.stdout).toContain("No kubelet restart needed");
    expect(mode(onNode(PROVIDER_CONFIG))).toBe("0600");
  });

  test("without derivable matchImages, --match-image is required (exit 2), and nothing is written", () => {
    const { code, stderr } = install([], { credroot: join(dir, "empty") });
    expect(code).toBe(2);
    expect(stderr).toContain("no matchImages can be derived from the configuration");
    expect(stderr).toContain("give --match-image PATTERN");
    expect(snapshot()).toEqual([]);
    expect(install(["--match-image", "registry.example.org"], { credroot: join(dir, "empty") }).code).toBe(0);
  });

  test("--config is installed at /etc/kubernetes/<name>.json (0600), and the provider's args name that path", () => {
    const config = putFile(dir, "config.json", { backends: [{ type: "file", dir: creds }], defaultCacheDuration: "2m" });
    const result = runBinary({ stdin: "", args: ["install", "--root", root, "--config", config, "--name", "site-provider"], env: { PATH }, cwd: dir });
    expect(result.code).toBe(0);
    expect(readFileSync(onNode("/etc/kubernetes/site-provider.json"), "utf8")).toBe(readFileSync(config, "utf8"));
    expect(mode(onNode("/etc/kubernetes/site-provider.json"))).toBe("0600");
    expect(existsSync(onNode(`${BIN_DIR}/site-provider`))).toBe(true);
    const [provider] = providerConfig().providers;
    expect(provider?.name).toBe("site-provider");
    expect(provider?.args).toEqual(["--config", "/etc/kubernetes/site-provider.json"]);
    expect(provider?.defaultCacheDuration).toBe("2m0s");
    expect(result.stdout).toContain(`config file       ${onNode("/etc/kubernetes/site-provider.json")}: written (mode 0600)`);
  });

  test("other providers in the kubelet's config are kept; values put in place of env placeholders are kept", () => {
    const other = { name: "ecr-credential-provider", matchImages: ["*.dkr.ecr.*.amazonaws.com"], defaultCacheDuration: "12h", apiVersion: V1 };
    putFile(root, PROVIDER_CONFIG, { apiVersion: "kubelet.config.k8s.io/v1", kind: "CredentialProviderConfig", providers: [other] });
    const env = { PATH, CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD: SECRET };
    const args = ["--backends", "file,env", "--match-image", "registry.example.org"];
    expect(install(args, { env }).code).toBe(0);
    const written = providerConfig();
    expect(written.providers.map((provider) => provider.name)).toEqual(["ecr-credential-provider", "generic-credential-provider"]);
    expect(written.providers[0] as unknown).toEqual(other);
    expect(written.providers[1]?.env).toEqual([{ name: "CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD", value: "<the value of CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD>" }]);

    // The operator puts the value in; install again: kept, never printed, nothing to change.
    const filled = readFileSync(onNode(PROVIDER_CONFIG), "utf8").replace("<the value of CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD>", SECRET);
    writeFileSync(onNode(PROVIDER_CONFIG), filled);
    const again = install(args, { env });
    expect(again.stdout).toContain(`provider config   ${onNode(PROVIDER_CONFIG)}: unchanged`);
    expect(readFileSync(onNode(PROVIDER_CONFIG), "utf8")).toBe(filled);
  });

  test("a provider config that is not JSON is not overwritten (exit 1), and nothing else is written", () => {
    putFile(root, PROVIDER_CONFIG, "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\n");
    const { code, stderr } = install();
    expect(code).toBe(1);
    expect(stderr).toContain(`provider config ${onNode(PROVIDER_CONFIG)} exists and is not a JSON CredentialProviderConfig: not overwritten`);
    expect(stderr).toContain("Nothing was changed.");
    expect(existsSync(installedBinary())).toBe(false);
  });

  test("scoped backends: tokenAttributes in the provider config, the feature gate in the report", () => {
    const config = putFile(dir, "config.json", { backends: [{ type: "file", dir: creds, serviceAccounts: ["team-a/*"] }] });
    const result = runBinary({ stdin: "", args: ["install", "--root", root, "--config", config], env: { PATH }, cwd: dir });
    expect(result.code).toBe(0);
    expect(providerConfig().providers[0]?.tokenAttributes?.cacheType).toBe("ServiceAccount");
    expect(result.stdout).toContain("Note: tokenAttributes need the kubelet feature gate KubeletServiceAccountTokenForCredentialProviders");
  });

  test("bad paths: usage errors (exit 2)", () => {
    const relative = install(["--bin-dir", "relative/dir"]);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain("option --bin-dir must be an absolute path");
    expect(install(["--name", "../x"]).stderr).toContain("provider name cannot contain '/'");
  });
});

describe("install --kubelet-env-file", () => {
  const envFile = () => onNode("/etc/default/kubelet");

  test("KUBELET_EXTRA_ARGS is edited once, with a backup; a second run changes nothing", () => {
    const original = "# kubelet flags\nKUBELET_EXTRA_ARGS=--node-ip=10.0.0.1 --v=2\nOTHER=1\n";
    putFile(root, "etc/default/kubelet", original);
    chmodSync(envFile(), 0o640);
    const first = install(["--kubelet-env-file", "/etc/default/kubelet"]);
    expect(first.code).toBe(0);
    expect(readFileSync(envFile(), "utf8")).toBe(`# kubelet flags\nKUBELET_EXTRA_ARGS="--node-ip=10.0.0.1 --v=2 ${FLAGS}"\nOTHER=1\n`);
    expect(mode(envFile())).toBe("0640"); // its own mode kept
    const backups = readdirSync(onNode("/etc/default")).filter((name) => name.startsWith("kubelet.bak-"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(onNode(`/etc/default/${backups[0]}`), "utf8")).toBe(original);
    expect(first.stdout).toContain(`kubelet env file  ${envFile()}: KUBELET_EXTRA_ARGS edited (both flags); the old file kept as ${onNode(`/etc/default/${backups[0]}`)}`);
    expect(first.stdout).toContain("Kubelet restart needed: the provider config and the kubelet env file changed");

    const before = snapshot();
    const second = install(["--kubelet-env-file", "/etc/default/kubelet"]);
    expect(second.code).toBe(0);
    expect(snapshot()).toEqual(before);
    expect(second.stdout).toContain(`kubelet env file  ${envFile()}: unchanged`);
    expect(second.stdout).toContain("No kubelet restart needed");
  });

  test("a missing file is written; a file without the variable gets a line; one flag there already: the other is added", () => {
    expect(install(["--kubelet-env-file", "/etc/default/kubelet"]).code).toBe(0);
    expect(readFileSync(envFile(), "utf8")).toBe(`KUBELET_EXTRA_ARGS="${FLAGS}"\n`);

    putFile(root, "etc/sysconfig/kubelet", "KUBELET_KUBEADM_ARGS=x");
    install(["--kubelet-env-file", "/etc/sysconfig/kubelet"]);
    expect(readFileSync(onNode("/etc/sysconfig/kubelet"), "utf8")).toBe(`KUBELET_KUBEADM_ARGS=x\nKUBELET_EXTRA_ARGS="${FLAGS}"\n`);

    putFile(root, "etc/default/other", `export KUBELET_EXTRA_ARGS='--image-credential-provider-config ${PROVIDER_CONFIG}'\n`);
    const one = install(["--kubelet-env-file", "/etc/default/other"]);
    expect(one.stdout).toContain("KUBELET_EXTRA_ARGS edited (--image-credential-provider-bin-dir)");
    expect(readFileSync(onNode("/etc/default/other"), "utf8")).toBe(
      `export KUBELET_EXTRA_ARGS='--image-credential-provider-config ${PROVIDER_CONFIG} --image-credential-provider-bin-dir=${BIN_DIR}'\n`,
    );
  });

  test("a flag naming another config is reported and not overwritten: exit 1, nothing changed", () => {
    const original = 'KUBELET_EXTRA_ARGS="--image-credential-provider-config=/etc/kubelet/other-config.yaml"\n';
    putFile(root, "etc/default/kubelet", original);
    const { code, stdout, stderr } = install(["--kubelet-env-file", "/etc/default/kubelet"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`${envFile()}: KUBELET_EXTRA_ARGS already has --image-credential-provider-config=/etc/kubelet/other-config.yaml, which this install would not use; it is not overwritten`);
    expect(stderr).toContain("Nothing was changed.");
    expect(readFileSync(envFile(), "utf8")).toBe(original);
    expect(readdirSync(onNode("/etc/default"))).toEqual(["kubelet"]); // no backup, no other file
    expect(existsSync(installedBinary())).toBe(false);
    // Without --kubelet-env-file the conflict is pointed out too.
    expect(install().stdout).toContain("/etc/default/kubelet: KUBELET_EXTRA_ARGS names another bin dir or config");
  });
});

describe("replacing a binary that is running", () => {
  test('a running copy (blocked on its stdin) does not make install fail with "Text file busy", and keeps running', async () => {
    // An older build of the provider (unminified: other bytes, same program), installed and running.
    const older = join(dir, "older");
    const build = Bun.spawnSync([process.execPath, "build", resolve(import.meta.dir, "../src/main.ts"), "--compile", "--format=esm", "--outfile", older], { stderr: "pipe", stdout: "pipe" });
    expect(build.exitCode).toBe(0);
    mkdirSync(onNode(BIN_DIR), { recursive: true });
    copyFileSync(older, installedBinary());
    chmodSync(installedBinary(), 0o755);
    const running = Bun.spawn([installedBinary(), "--credroot", creds, "--syslog-socket", ""], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { PATH } });
    try {
      // It runs from that file now (its exec is done once /proc says so): writing into it is what fails.
      for (let i = 0; i < 1_000_000 && readlinkOrNull(`/proc/${running.pid}/exe`) !== installedBinary(); i++);
      expect(readlinkOrNull(`/proc/${running.pid}/exe`)).toBe(installedBinary());
      expect(() => writeFileSync(installedBinary(), "x")).toThrow(/ETXTBSY/);

      const { code, stdout } = install();
      expect(code).toBe(0);
      expect(stdout).toContain(`binary            ${installedBinary()}: replaced (mode 0755)`);
      expect(readFileSync(installedBinary()).equals(readFileSync(BINARY))).toBe(true);

      // The running copy is unaffected: it answers the request it was waiting for.
      running.stdin.write(request("registry.example.org/app"));
      await running.stdin.end();
      expect(await running.exited).toBe(0);
      expect(kubeletDecode(await new Response(running.stdout).text(), V1).auth?.["registry.example.org"]?.username).toBe("installed-user");
    } finally {
      running.kill();
    }
  }, 60_000);
});
