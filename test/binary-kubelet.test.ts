// What the kubelet does with our answers, through the compiled binary: which credentials its
// keyring picks, how long and under which key it caches them (test/support/kubelet.ts), for the
// cases where a plain "is the response valid" check would pass but the kubelet would end up with
// the wrong credentials or none.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request, runChecked } from "./support/binary.ts";
import { echoingProvider } from "./support/fake-provider.ts";
import { dockerLogin, putScript, scratchDirectory } from "./support/files.ts";
import { KubeletCache, kubeletCredentialsFor, kubeletDecode } from "./support/kubelet.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const SECRET = "fake-kubelet-secret-8181";
const PATH = "/usr/bin:/bin";
let dir: string;
const put = scratchDirectory("gcp-kubelet-", (created) => (dir = created));

/** The binary with these args and env; stdout for the kubelet. Secrets are checked by runChecked. */
function provider(stdin: string, args: string[], env: Record<string, string> = {}, secrets: string[] = [SECRET]) {
  return runChecked({ stdin, args: ["--syslog-socket", "", ...args], env: { PATH, ...env } }, secrets);
}

describe("cache scope: an answer for part of a registry is cached for the image only", () => {
  // team-a's own account through a helper limited to its path, everyone else's from a file.
  function teamChain(): { args: string[]; env: Record<string, string> } {
    putScript(dir, "bin/docker-credential-team-a", `cat >/dev/null; printf '{"Username":"team-a","Secret":"${SECRET}"}'`);
    put("creds/registry.example.org.json", { username: "team-b", password: SECRET });
    const config = put("config.json", {
      backends: [
        { type: "helper", name: "team-a", helper: "team-a", matchImages: ["registry.example.org/team-a"] },
        { type: "file", dir: join(dir, "creds") },
      ],
    });
    return { args: ["--config", config], env: { PATH: `${join(dir, "bin")}:${PATH}` } };
  }

  test("team-a and team-b images each get their own account, both Image-scoped", () => {
    const { args, env } = teamChain();
    const a = kubeletDecode(provider(request("registry.example.org/team-a/app"), args, env).stdout, V1);
    const b = kubeletDecode(provider(request("registry.example.org/team-b/app"), args, env).stdout, V1);
    expect(kubeletCredentialsFor(a, "registry.example.org/team-a/app")[0]?.username).toBe("team-a");
    expect(kubeletCredentialsFor(b, "registry.example.org/team-b/app")[0]?.username).toBe("team-b");
    expect([a.cacheKeyType, b.cacheKeyType]).toEqual(["Image", "Image"]);
  });

  test("through the kubelet's cache: whoever pulls first does not decide the other team's account", () => {
    const { args, env } = teamChain();
    const kubelet = new KubeletCache((image) => provider(request(image), args, env).stdout);
    expect(kubelet.pull("registry.example.org/team-a/app")).toBe("team-a");
    expect(kubelet.pull("registry.example.org/team-b/app")).toBe("team-b");
    expect(kubelet.pull("registry.example.org/team-a/other")).toBe("team-a");
    expect(kubelet.pull("registry.example.org/team-a/app")).toBe("team-a"); // from the cache
    expect(kubelet.calls).toEqual(["registry.example.org/team-a/app", "registry.example.org/team-b/app", "registry.example.org/team-a/other"]);
  });

  test("the same with an exec provider limited to a path", () => {
    const child = echoingProvider(dir, { cacheKeyType: "Registry", auth: { "registry.example.org/team-a": { username: "team-a", password: SECRET } } });
    put("creds/registry.example.org.json", { username: "team-b", password: SECRET });
    const config = put("config.json", {
      backends: [{ type: "exec", command: child, matchImages: ["registry.example.org/team-a"] }, { type: "file", dir: join(dir, "creds") }],
    });
    const kubelet = new KubeletCache((image) => provider(request(image), ["--config", config]).stdout);
    expect(kubelet.pull("registry.example.org/team-a/app")).toBe("team-a");
    expect(kubelet.pull("registry.example.org/team-b/app")).toBe("team-b");
  });

  test("a docker config with namespace keys only falls through to the file backend", () => {
    const docker = put("docker.json", { auths: { "registry.example.org/team": dockerLogin("ns-user", SECRET) } });
    put("creds/registry.example.org.json", { username: "file-user", password: SECRET });
    const args = ["--backends", "docker-config,file", "--docker-config", docker, "--credroot", join(dir, "creds")];
    const other = kubeletDecode(provider(request("registry.example.org/other/app"), args).stdout, V1);
    expect(other).toMatchObject({ cacheKeyType: "Image", auth: { "registry.example.org": { username: "file-user" } } });
    const team = kubeletDecode(provider(request("registry.example.org/team/app"), args).stdout, V1);
    expect(kubeletCredentialsFor(team, "registry.example.org/team/app")[0]?.username).toBe("ns-user");
    expect(team.cacheKeyType).toBe("Image");
  });

  test("a host-level answer with no partial source before it stays Registry-scoped", () => {
    put("creds/registry.example.org.json", { username: "file-user", password: SECRET });
    const response = kubeletDecode(provider(request("registry.example.org/any/app"), ["--backends", "file", "--credroot", join(dir, "creds")]).stdout, V1);
    expect(response.cacheKeyType).toBe("Registry");
  });
});

describe("cacheDuration: left to the kubelet unless a source or our config sets it", () => {
  test("absent by default: the provider config's defaultCacheDuration applies", () => {
    put("creds/registry.example.org.json", { username: "u", password: SECRET });
    const { stdout } = provider(request("registry.example.org/app"), ["--backends", "file", "--credroot", join(dir, "creds")]);
    expect(stdout).not.toContain("cacheDuration");
    const kubelet = new KubeletCache(() => stdout, { apiVersion: V1, defaultCacheDuration: "0s" });
    kubelet.pull("registry.example.org/app");
    kubelet.pull("registry.example.org/app");
    expect(kubelet.calls).toHaveLength(2); // "0s" in the kubelet's config turns caching off
  });

  test("present when the file, --cache-duration or defaultCacheDuration sets it", () => {
    put("creds/registry.example.org.json", { username: "u", password: SECRET });
    const args = ["--backends", "file", "--credroot", join(dir, "creds")];
    expect(kubeletDecode(provider(request("registry.example.org/app"), [...args, "--cache-duration", "90s"]).stdout, V1).cacheDuration).toBe("1m30s");
    put("creds/registry.example.org.json", { username: "u", password: SECRET, duration: "0h2m" });
    expect(kubeletDecode(provider(request("registry.example.org/app"), [...args, "--cache-duration", "90s"]).stdout, V1).cacheDuration).toBe("2m0s");
  });
});

describe("a chained provider's answer, as the kubelet would take it", () => {
  test("Docker Hub: an index.docker.io key is used for docker.io images", () => {
    for (const key of ["https://index.docker.io/v1/", "index.docker.io"]) {
      const child = echoingProvider(dir, { cacheKeyType: "Registry", auth: { [key]: { username: "hub", password: SECRET } } });
      const config = put("config.json", { backends: [{ type: "exec", command: child }] });
      const { code, stdout } = provider(request("nginx"), ["--config", config]);
      expect(code).toBe(0);
      expect(kubeletCredentialsFor(kubeletDecode(stdout, V1), "docker.io/library/nginx").map((c) => c.username)).toEqual(["hub"]);
    }
  });

  test("nulls the kubelet accepts: cacheDuration, auth entry, username", () => {
    const child = putScript(
      dir,
      "null-provider",
      `cat >/dev/null; printf '{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":null,"auth":{"registry.example.org":{"username":null,"password":"${SECRET}"},"other.example.org":null}}'`,
    );
    const config = put("config.json", { backends: [{ type: "exec", command: child }] });
    const { code, stdout } = provider(request("registry.example.org/app"), ["--config", config]);
    expect(code).toBe(0);
    const response = kubeletDecode(stdout, V1);
    expect(response.auth).toEqual({ "registry.example.org": { username: "", password: SECRET }, "other.example.org": { username: "", password: "" } });
    expect(response.cacheDuration).toBeUndefined();
  });

  test("the request's service-account token and annotations reach a v1 child byte for byte, and nowhere else", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.fake-sa-token-9191.c2ln";
    const annotations = { "example.org/team": "team-a", "a.example.org/z": `ü "quoted"` };
    const child = echoingProvider(dir, { cacheKeyType: "Registry", auth: { "registry.example.org": { username: "u", password: SECRET } } });
    const config = put("config.json", { backends: [{ type: "exec", command: child, args: ["--flag"] }] });
    const stdin = request("registry.example.org/app", V1, { serviceAccountToken: token, serviceAccountAnnotations: annotations });
    // runChecked checks stderr, syslog and the child's logged argv for the token.
    const result = runChecked({ stdin, args: ["--config", config, "--debug"], env: { PATH } }, [SECRET, token]);
    expect(result.code).toBe(0);
    expect(result.syslog).toHaveLength(1);
    expect(result.childArgv).toEqual([`${child} --flag`]);
    const sent = readFileSync(join(dir, "request.json"), "utf8");
    expect(JSON.parse(sent)).toEqual({ kind: "CredentialProviderRequest", apiVersion: V1, image: "registry.example.org/app", serviceAccountToken: token, serviceAccountAnnotations: annotations });
    expect(sent).toContain(JSON.stringify(token));
  });

  test("a v1beta1 child cannot carry the token: not sent, and --debug says so", () => {
    const token = "fake-sa-token-7373";
    const child = echoingProvider(dir, { cacheKeyType: "Registry", auth: { "registry.example.org": { username: "u", password: SECRET } } });
    const config = put("config.json", { backends: [{ type: "exec", command: child, apiVersion: "credentialprovider.kubelet.k8s.io/v1beta1" }] });
    const stdin = request("registry.example.org/app", V1, { serviceAccountToken: token });
    const { code, stderr } = provider(stdin, ["--config", config, "--debug"], {}, [SECRET, token]);
    expect(code).toBe(0);
    expect(readFileSync(join(dir, "request.json"), "utf8")).not.toContain(token);
    expect(stderr).toContain("cannot carry the request's service account token");
  });
});
