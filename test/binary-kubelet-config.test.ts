// `kubelet-config` through the compiled binary, as an operator runs it: every document it prints
// must pass the kubelet's own validation (src/core/kubelet-config.ts), YAML parsed back included,
// and its args must reproduce the configuration it was run with.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { credentialProviderConfigProblems, type CredentialProviderConfig, type CredentialProvider } from "../src/core/kubelet-config.ts";
import { urlsMatch } from "../src/core/match.ts";
import { request, runBinary, runChecked } from "./support/binary.ts";
import { dockerLogin, scratchDirectory } from "./support/files.ts";
import { kubeletDecode } from "./support/kubelet.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const SECRET = "fake-kubelet-config-secret-7373";
const PATH = "/usr/bin:/bin";
const GATE = "KubeletServiceAccountTokenForCredentialProviders";
let dir: string;
const put = scratchDirectory("gcp-kubelet-config-", (created) => (dir = created));

/** Runs `kubelet-config`; on success checks the document with the kubelet's rules and returns it. */
function kubeletConfig(args: string[], env: Record<string, string> = { PATH }) {
  const result = runBinary({ stdin: "", args: ["kubelet-config", ...args], env, cwd: dir });
  expect(result.stderr).not.toContain(SECRET);
  expect(result.stdout).not.toContain(SECRET);
  if (result.code !== 0) {
    expect(result.stdout).toBe("");
    return { ...result, config: undefined, provider: undefined };
  }
  const yaml = args.includes("yaml");
  const config = (yaml ? parseYaml(result.stdout) : JSON.parse(result.stdout)) as CredentialProviderConfig;
  expect(credentialProviderConfigProblems(config)).toEqual([]);
  return { ...result, config, provider: config.providers[0] as CredentialProvider };
}

function credentialFiles(): string {
  put("creds/example.org.json", { username: "suffix-user", password: SECRET });
  put("creds/registry.example.org:5000.json", { username: "port-user", password: SECRET });
  put("creds/10.0.0.5.json", { username: "ip-user", password: SECRET });
  return join(dir, "creds");
}

describe("kubelet-config: a file backend", () => {
  test("JSON: matchImages from the file names (suffixes, ports, IPs), args that reproduce the run", () => {
    const creds = credentialFiles();
    const { code, provider, stderr } = kubeletConfig(["--backends", "file", "--credroot", "creds", "--cache-duration", "10m"]);
    expect(code).toBe(0);
    expect(provider).toEqual({
      name: "generic-credential-provider",
      matchImages: ["10.0.0.5", "example.org", "*.example.org", "*.*.example.org", "*.*.*.example.org", "registry.example.org:5000"],
      defaultCacheDuration: "10m0s",
      apiVersion: V1,
      args: ["--backends", "file", "--credroot", creds, "--cache-duration", "10m0s"],
    });
    // The port caveat, said where the operator sees it.
    expect(stderr).toContain("a matchImages pattern without a port never matches an image with one");
    const matched = (image: string) => (provider?.matchImages ?? []).some((pattern) => urlsMatch(pattern, image));
    expect(matched("a.b.example.org/app")).toBe(true);
    expect(matched("registry.example.org:5000/app")).toBe(true);
    expect(matched("10.0.0.5/app")).toBe(true);
    expect(matched("a.b.example.org:5000/app")).toBe(false);
    expect(matched("other.org/app")).toBe(false);
  });

  test("the args are what the kubelet runs the provider with: it answers", () => {
    credentialFiles();
    const { provider } = kubeletConfig(["--backends", "file", "--credroot", "creds"]);
    // From another directory, as the kubelet runs it: the paths in args are absolute.
    const answer = runChecked({ stdin: request("a.example.org/app"), args: provider?.args ?? [], env: { PATH } }, [SECRET]);
    expect(answer.code).toBe(0);
    expect(kubeletDecode(answer.stdout, V1).auth?.["a.example.org"]?.username).toBe("suffix-user");
  });

  test("YAML: the same document, parsed back", () => {
    credentialFiles();
    const json = kubeletConfig(["--backends", "file", "--credroot", "creds"]);
    const yaml = kubeletConfig(["--backends", "file", "--credroot", "creds", "--format", "yaml"]);
    expect(yaml.code).toBe(0);
    expect(yaml.config).toEqual(json.config as CredentialProviderConfig);
    expect(yaml.stdout).toContain('- "*.example.org"'); // "*" starts an alias in YAML: quoted
    expect(yaml.stdout).not.toContain(GATE); // no tokenAttributes, no feature gate
  });

  test("--match-image replaces the derived patterns; --name and --api-version are used", () => {
    credentialFiles();
    const { provider, stderr } = kubeletConfig(["--credroot", "creds", "--match-image", "registry.example.org", "--match-image", "*.registry.example.org:5000", "--name", "my-provider", "--api-version", "credentialprovider.kubelet.k8s.io/v1beta1"]);
    expect(provider?.matchImages).toEqual(["registry.example.org", "*.registry.example.org:5000"]);
    expect(provider?.name).toBe("my-provider");
    expect(provider?.apiVersion).toBe("credentialprovider.kubelet.k8s.io/v1beta1");
    expect(stderr).toBe(""); // nothing derived: nothing to warn about
  });
});

describe("kubelet-config: other backends", () => {
  test("docker-config keys: registries as hosts, with their ports and namespaces", () => {
    const login = dockerLogin("user", SECRET);
    const file = put("docker/config.json", {
      auths: { "registry.example.org:5000": login, "https://index.docker.io/v1/": login, "ghcr.io/team": login, "Quay.IO": login },
    });
    const { provider } = kubeletConfig(["--backends", "docker-config", "--docker-config", "docker/config.json"]);
    expect(provider?.matchImages).toEqual(["docker.io", "ghcr.io/team", "quay.io", "registry.example.org:5000"]);
    expect(provider?.args).toEqual(["--backends", "docker-config", "--docker-config", file]);
  });

  test("helper matchImages as given; a backend that cannot tell is named on stderr; --config made absolute", () => {
    const config = put("config.json", {
      backends: [
        { type: "helper", name: "gcr", helper: "gcloud", matchImages: ["*.gcr.io", "*.pkg.dev"] },
        { type: "exec", name: "anything", command: "/bin/true" },
      ],
      defaultCacheDuration: "1m",
    });
    const { code, provider, stderr } = kubeletConfig(["--config", "config.json"]);
    expect(code).toBe(0);
    expect(provider?.matchImages).toEqual(["*.gcr.io", "*.pkg.dev"]);
    expect(provider?.args).toEqual(["--config", config]);
    expect(provider?.defaultCacheDuration).toBe("1m0s");
    expect(stderr).toContain('backend "anything" cannot tell which registries it has credentials for');
  });

  test("env variables: placeholders, never values; with nothing derivable, --match-image is required", () => {
    const env = { PATH, CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME: "user", CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD: SECRET };
    const missing = kubeletConfig(["--backends", "env"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("give --match-image PATTERN");
    const { provider, stderr } = kubeletConfig(["--backends", "env", "--match-image", "registry.example.org"], env);
    expect(provider?.env).toEqual([
      { name: "CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD", value: "<the value of CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD>" },
      { name: "CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME", value: "<the value of CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME>" },
    ]);
    expect(stderr).toContain("env has placeholders for CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD, CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME");
  });
});

describe("kubelet-config: service accounts", () => {
  const scoped = () =>
    put("config.json", {
      backends: [
        { type: "file", name: "team-a", dir: join(dir, "team-a"), serviceAccounts: ["team-a/*"], annotation: "example.org/registry-account" },
        { type: "file", name: "team-b", dir: join(dir, "team-b"), serviceAccounts: ["team-b/*"], annotation: "example.org/team-b-account" },
        { type: "file", name: "default", dir: join(dir, "default") },
      ],
      serviceAccountTokenAudience: "registry.example.org",
    });

  test("scoped backends: tokenAttributes with cacheType ServiceAccount and the annotation keys; the feature gate on stderr", () => {
    put("default/registry.example.org.json", { username: "u", password: SECRET });
    put("team-a/ci/registry.example.org.json", { username: "u", password: SECRET });
    scoped();
    const { provider, stderr } = kubeletConfig(["--config", "config.json"]);
    expect(provider?.matchImages).toEqual(["registry.example.org", "*.registry.example.org", "*.*.registry.example.org", "*.*.*.registry.example.org"]);
    expect(provider?.tokenAttributes).toEqual({
      serviceAccountTokenAudience: "registry.example.org",
      cacheType: "ServiceAccount",
      requireServiceAccount: false,
      optionalServiceAccountAnnotationKeys: ["example.org/registry-account", "example.org/team-b-account"],
    });
    expect(stderr).toContain(`${GATE}: alpha and off by default in Kubernetes 1.33`);
  });

  test("YAML: the feature gate as a comment, the document parsed back", () => {
    put("default/registry.example.org.json", { username: "u", password: SECRET });
    scoped();
    const { stdout, provider, stderr } = kubeletConfig(["--config", "config.json", "--format", "yaml"]);
    expect(stdout.startsWith(`# tokenAttributes need the kubelet feature gate ${GATE}`)).toBe(true);
    expect(stderr).not.toContain(GATE);
    expect(provider?.tokenAttributes?.cacheType).toBe("ServiceAccount");
  });

  test("a token backend: cacheType Token (the kubelet drops an answer whose password is the token otherwise)", () => {
    put("config.json", { backends: [{ type: "token", username: "kubernetes", matchImages: ["registry.example.org"] }] });
    const { provider } = kubeletConfig(["--config", "config.json"]);
    expect(provider?.tokenAttributes).toEqual({ serviceAccountTokenAudience: "generic-credential-provider", cacheType: "Token", requireServiceAccount: false });
  });

  test("tokenAttributes with an apiVersion other than v1: refused", () => {
    put("config.json", { backends: [{ type: "token", username: "kubernetes", matchImages: ["registry.example.org"] }] });
    const { code, stderr } = kubeletConfig(["--config", "config.json", "--api-version", "credentialprovider.kubelet.k8s.io/v1beta1"]);
    expect(code).toBe(2);
    expect(stderr).toContain('the provider needs tokenAttributes (backend "token" is a token backend), which the kubelet accepts only with apiVersion credentialprovider.kubelet.k8s.io/v1');
  });
});

describe("kubelet-config: bad invocations", () => {
  const cases: [string, string[], string][] = [
    ["a pattern with a scheme", ["--match-image", "https://registry.example.org"], "option --match-image: the pattern has a scheme"],
    ["a pattern with a path glob", ["--match-image", "*.example.org/*"], "option --match-image: the pattern has a path no image has"],
    ["an unknown format", ["--match-image", "a.org", "--format", "xml"], "option --format must be one of: json, yaml"],
    ["an unknown apiVersion", ["--match-image", "a.org", "--api-version", "v1"], "option --api-version must be one of"],
    ["a name the kubelet refuses", ["--match-image", "a.org", "--name", "a/b"], "provider name cannot contain '/'"],
    ["an install option", ["--match-image", "a.org", "--dry-run"], "option --dry-run belongs to another command"],
  ];
  for (const [what, args, message] of cases) {
    test(what, () => {
      const { code, stderr } = kubeletConfig(["--backends", "env", ...args]);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    });
  }

  test("--help: the command's usage", () => {
    const { code, stdout } = runBinary({ stdin: "", args: ["kubelet-config", "--help"], cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: generic-credential-provider kubelet-config");
  });
});
