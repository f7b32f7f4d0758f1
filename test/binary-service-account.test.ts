// Per-workload credentials from the pod's service account, through the compiled binary: requests
// as the kubelet (1.33+, tokenAttributes) sends them, with a signed bound service-account token and
// the service account's annotations.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { request, runChecked } from "./support/binary.ts";
import { dockerLogin, scratchDirectory } from "./support/files.ts";
import { KubeletCache, kubeletCredentialsFor, kubeletDecode, type PodServiceAccount } from "./support/kubelet.ts";
import { serviceAccountToken, tokenWithPayload } from "./support/tokens.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const SECRET = "fake-sa-secret-5151";
const ANNOTATION = "example.org/registry-account";
const PATH = "/usr/bin:/bin";
let dir: string;
const put = scratchDirectory("gcp-sa-bin-", (created) => (dir = created));

function pod(namespace: string, annotations: Record<string, string> = {}): PodServiceAccount {
  const uid = `${namespace}-uid`;
  return { namespace, name: "default", uid, annotations, token: serviceAccountToken({ namespace, name: "default", uid }) };
}

function requestFor(image: string, sa?: PodServiceAccount): string {
  return request(image, V1, sa ? { serviceAccountToken: sa.token, serviceAccountAnnotations: sa.annotations } : {});
}

/** Two teams, each with its own account; team-a also has several accounts chosen by annotation; a node-wide default. */
function twoTeams(): string[] {
  put("team-a/registry.example.org.json", { username: "team-a-user", password: SECRET });
  put("team-b/registry.example.org.json", { username: "team-b-user", password: SECRET });
  put("team-a-accounts/ci/registry.example.org.json", { username: "team-a-ci-user", password: SECRET });
  put("default/registry.example.org.json", { username: "node-default", password: SECRET });
  const config = put("config.json", {
    backends: [
      { type: "file", name: "team-a-accounts", dir: join(dir, "team-a-accounts"), serviceAccounts: ["team-a/*"], annotation: ANNOTATION },
      { type: "file", name: "team-a", dir: join(dir, "team-a"), serviceAccounts: ["team-a/*"] },
      { type: "file", name: "team-b", dir: join(dir, "team-b"), serviceAccounts: ["team-b/*"] },
      { type: "file", name: "default", dir: join(dir, "default") },
    ],
  });
  return ["--config", config, "--debug"];
}

function provider(image: string, sa: PodServiceAccount | undefined, args: string[], env: Record<string, string> = {}) {
  return runChecked({ stdin: requestFor(image, sa), args, env: { PATH, ...env } }, sa ? [SECRET, sa.token] : [SECRET]);
}

const userFor = (image: string, sa: PodServiceAccount | undefined, args: string[]) => {
  const result = provider(image, sa, args);
  expect(result.code).toBe(0);
  return kubeletCredentialsFor(kubeletDecode(result.stdout, V1), image)[0]?.username;
};

describe("credentials per service account", () => {
  test("team-a's pods get team-a's account, team-b's get team-b's, a pod without a token the node's default", () => {
    const args = twoTeams();
    expect(userFor("registry.example.org/app", pod("team-a"), args)).toBe("team-a-user");
    expect(userFor("registry.example.org/app", pod("team-b"), args)).toBe("team-b-user");
    expect(userFor("registry.example.org/app", undefined, args)).toBe("node-default");
    expect(userFor("registry.example.org/app", pod("team-c"), args)).toBe("node-default");
  });

  test("an annotation picks among team-a's accounts; team-b annotated with team-a's value gets nothing of team-a's", () => {
    const args = twoTeams();
    expect(userFor("registry.example.org/app", pod("team-a", { [ANNOTATION]: "ci" }), args)).toBe("team-a-ci-user");
    expect(userFor("registry.example.org/app", pod("team-b", { [ANNOTATION]: "ci" }), args)).toBe("team-b-user");
    expect(userFor("registry.example.org/app", pod("team-c", { [ANNOTATION]: "ci" }), args)).toBe("node-default");
    // A value that is not a DNS label reaches nothing (never a path).
    expect(userFor("registry.example.org/app", pod("team-a", { [ANNOTATION]: "../team-b" }), args)).toBe("team-a-user");
  });

  test("through the kubelet's per-service-account cache: one team's cached answer never serves the other", () => {
    const args = twoTeams();
    const kubelet = new KubeletCache((image, sa) => provider(image, sa, args).stdout, {
      apiVersion: V1,
      defaultCacheDuration: "5m",
      tokenAttributes: { cacheType: "ServiceAccount" },
    });
    const a = pod("team-a");
    const b = pod("team-b");
    expect(kubelet.pull("registry.example.org/app", a)).toBe("team-a-user");
    expect(kubelet.pull("registry.example.org/other", a)).toBe("team-a-user"); // Registry-cached for team-a
    expect(kubelet.pull("registry.example.org/app", b)).toBe("team-b-user");
    expect(kubelet.calls).toEqual(["registry.example.org/app", "registry.example.org/app"]);
  });

  test("a malformed or non-JWT token is a bad request that quotes nothing", () => {
    const args = twoTeams();
    for (const token of ["not-a-jwt-SECRETPART", tokenWithPayload({ sub: "SECRETPART" }), "a.b.c"]) {
      const result = runChecked({ stdin: request("registry.example.org/app", V1, { serviceAccountToken: token }), args, env: { PATH } }, [SECRET, token, "SECRETPART"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^generic-credential-provider: error: request field "serviceAccountToken" (is not a JWT|has claims that are not a service account's)/m);
    }
  });

  test("without scoped or token backends the token is never inspected (a non-JWT passes)", () => {
    put("default/registry.example.org.json", { username: "node-default", password: SECRET });
    const result = runChecked(
      { stdin: request("registry.example.org/app", V1, { serviceAccountToken: "opaque-token-1234" }), args: ["--backends", "file", "--credroot", join(dir, "default")], env: { PATH } },
      [SECRET, "opaque-token-1234"],
    );
    expect(result.code).toBe(0);
  });

  test("env: annotation-selected variables", () => {
    const config = put("config.json", { backends: [{ type: "env", serviceAccounts: ["team-a/*"], annotation: ANNOTATION }] });
    const env = { CREDENTIAL_PROVIDER_CI__REGISTRY_EXAMPLE_ORG_USERNAME: "env-ci", CREDENTIAL_PROVIDER_CI__REGISTRY_EXAMPLE_ORG_PASSWORD: SECRET };
    const result = provider("registry.example.org/app", pod("team-a", { [ANNOTATION]: "ci" }), ["--config", config], env);
    expect(kubeletDecode(result.stdout, V1).auth?.["registry.example.org"]?.username).toBe("env-ci");
  });
});

describe("docker-config: annotation-selected files", () => {
  test("<dir>/<value>/config.json beside each configured file; DOCKER_AUTH_CONFIG not read; needs files", () => {
    const login = (user: string) => ({ auths: { "registry.example.org": dockerLogin(user, SECRET) } });
    put("docker/ci/config.json", login("docker-ci"));
    put("docker/config.json", login("docker-node"));
    const config = put("config.json", {
      backends: [{ type: "docker-config", files: [join(dir, "docker", "config.json")], serviceAccounts: ["team-a/*"], annotation: ANNOTATION }],
    });
    const env = { DOCKER_AUTH_CONFIG: JSON.stringify(login("inline")) };
    const ci = provider("registry.example.org/app", pod("team-a", { [ANNOTATION]: "ci" }), ["--config", config, "--debug"], env);
    expect(kubeletDecode(ci.stdout, V1).auth?.["registry.example.org"]?.username).toBe("docker-ci");
    expect(ci.stderr).toContain(`${join(dir, "docker")}/<${ANNOTATION}>/config.json`);
    expect(ci.stderr).not.toContain("/ci/config.json");
    expect(provider("registry.example.org/app", pod("team-a"), ["--config", config], env).code).toBe(1);
    const noFiles = put("no-files.json", { backends: [{ type: "docker-config", serviceAccounts: ["team-a/*"], annotation: ANNOTATION }] });
    const refused = provider("registry.example.org/app", undefined, ["--config", noFiles]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('backend "docker-config": the document sets "annotation" without "files"');
  });
});

describe("token backend: the pod's token as the password", () => {
  test("answers for its images; the kubelet keeps it only with cacheType Token", () => {
    const config = put("config.json", { backends: [{ type: "token", username: "oidc", matchImages: ["*.example.org"] }] });
    const sa = pod("team-a");
    const run = (image: string, account?: PodServiceAccount) =>
      runChecked({ stdin: requestFor(image, account), args: ["--config", config], env: { PATH } }, [sa.token]);
    const answer = kubeletDecode(run("registry.example.org/app", sa).stdout, V1);
    expect(answer.auth?.["registry.example.org"]).toEqual({ username: "oidc", password: sa.token });
    expect(run("registry.example.org/app").code).toBe(1); // no token, nothing to answer with
    const asToken = new KubeletCache((image, account) => run(image, account).stdout, { apiVersion: V1, defaultCacheDuration: "5m", tokenAttributes: { cacheType: "Token" } });
    expect(asToken.pull("registry.example.org/app", sa)).toBe("oidc");
    const asServiceAccount = new KubeletCache((image, account) => run(image, account).stdout, { apiVersion: V1, defaultCacheDuration: "5m", tokenAttributes: { cacheType: "ServiceAccount" } });
    expect(asServiceAccount.pull("registry.example.org/app", sa)).toBeNull();
  });
});
