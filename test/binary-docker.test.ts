// The docker-config and helper backends through the compiled binary, against real components:
// a docker-registry with htpasswd auth that skopeo logs in to (writing a containers auth.json),
// and the real docker-credential-pass helper over a throwaway GPG key and password store.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dockerLogin, scratchDirectory } from "./support/files.ts";
import { request, runChecked } from "./support/binary.ts";
import { kubeletCredentialsFor, kubeletDecode } from "./support/kubelet.ts";
import { createPassStore, type PassStore } from "./support/pass-store.ts";
import { registryAccepts, skopeoLogin, startRegistry, type Registry } from "./support/registry.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const SECRET = "fake-docker-secret-6666";
const PATH = "/usr/local/bin:/usr/bin:/bin";
let dir: string;
const put = scratchDirectory("gcp-docker-", (created) => (dir = created));

function provider(stdin: string, args: string[], env: Record<string, string> = {}, secrets: string[] = [SECRET]) {
  return runChecked({ stdin, args: ["--syslog-socket", "", ...args], env: { PATH, ...env } }, secrets);
}

const auth = dockerLogin;

describe("a real registry and a real client's auth file", () => {
  const USER = "registry-user";
  const PASSWORD = "fake-registry-password-7777";
  let registry: Registry;

  beforeAll(async () => {
    registry = await startRegistry(USER, PASSWORD);
  });
  afterAll(() => registry?.stop());

  test("skopeo login writes auth.json; the binary answers what was logged in with, and the registry accepts it", async () => {
    const authFile = join(dir, "auth.json");
    skopeoLogin(registry, USER, PASSWORD, authFile);
    expect(readFileSync(authFile, "utf8")).toContain(registry.host);

    const image = `${registry.host}/team/app`;
    const { code, stdout } = provider(request(`${image}:v1`), ["--backends", "docker-config", "--docker-config", authFile], {}, [PASSWORD]);
    expect(code).toBe(0);
    const response = kubeletDecode(stdout, V1);
    const [credential] = kubeletCredentialsFor(response, image);
    expect(credential).toEqual({ key: registry.host, username: USER, password: PASSWORD });
    expect(await registryAccepts(registry, credential?.username ?? "", credential?.password ?? "")).toBe(true);
    expect(await registryAccepts(registry, USER, "wrong")).toBe(false);
  });

  test("the same file found through REGISTRY_AUTH_FILE in the default chain", () => {
    const authFile = join(dir, "auth.json");
    skopeoLogin(registry, USER, PASSWORD, authFile);
    const { code, stdout } = provider(
      request(`${registry.host}/app`),
      ["--credroot", join(dir, "no-credroot")],
      { REGISTRY_AUTH_FILE: authFile, HOME: join(dir, "home") },
      [PASSWORD],
    );
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth?.[registry.host]).toEqual({ username: USER, password: PASSWORD });
  });
});

describe("default file locations and DOCKER_AUTH_CONFIG", () => {
  const cases: [string, (home: string) => Record<string, string>, string][] = [
    ["$DOCKER_CONFIG/config.json", () => ({ DOCKER_CONFIG: join(dir, "dockercfg") }), "dockercfg/config.json"],
    ["~/.docker/config.json", (home) => ({ HOME: home }), "home/.docker/config.json"],
    ["$XDG_RUNTIME_DIR/containers/auth.json", () => ({ XDG_RUNTIME_DIR: join(dir, "run") }), "run/containers/auth.json"],
    ["$XDG_CONFIG_HOME/containers/auth.json", () => ({ XDG_CONFIG_HOME: join(dir, "xdg") }), "xdg/containers/auth.json"],
    ["~/.config/containers/auth.json", (home) => ({ HOME: home }), "home/.config/containers/auth.json"],
  ];
  for (const [where, env, file] of cases) {
    test(where, () => {
      put(file, { auths: { "https://registry.example.org/v1/": auth("u", SECRET) } });
      const { code, stdout } = provider(request("registry.example.org/x"), ["--backends", "docker-config"], env(join(dir, "home")));
      expect(code).toBe(0);
      expect(kubeletDecode(stdout, V1).auth).toEqual({ "registry.example.org": { username: "u", password: SECRET } });
    });
  }

  test("DOCKER_AUTH_CONFIG comes first, and sources are not merged", () => {
    const file = put("config.json", { auths: { "registry.example.org": auth("from-file", SECRET) } });
    const inline = JSON.stringify({ auths: { "registry.example.org": auth("from-env", SECRET) } });
    const { stdout } = provider(request("registry.example.org/x"), ["--backends", "docker-config", "--docker-config", file], { DOCKER_AUTH_CONFIG: inline });
    expect(kubeletDecode(stdout, V1).auth?.["registry.example.org"]?.username).toBe("from-env");
  });

  test("a broken file is reported without its content; the next one answers", () => {
    const broken = put("broken.json", `{"auths": {"registry.example.org": {"auth": "${SECRET}"}`);
    const good = put("good.json", { auths: { "registry.example.org": auth("good", SECRET) } });
    const { code, stdout, stderr } = provider(request("registry.example.org/x"), ["--backends", "docker-config", "--docker-config", broken, "--docker-config", good]);
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth?.["registry.example.org"]?.username).toBe("good");
    expect(stderr).toContain(`${broken}: invalid JSON at line 1`);
  });

  test("namespaced keys: one Registry-cached answer serves every image, most specific key first", () => {
    const file = put("config.json", {
      auths: {
        "registry.example.org": auth("registry-wide", SECRET),
        "registry.example.org/team": auth("team", SECRET),
        "registry.example.org/team/special": auth("special", SECRET),
        "other.example.org": auth("other", SECRET),
      },
    });
    const { stdout } = provider(request("registry.example.org/team/app"), ["--backends", "docker-config", "--docker-config", file]);
    const response = kubeletDecode(stdout, V1);
    expect(response.cacheKeyType).toBe("Registry");
    expect(Object.keys(response.auth ?? {}).sort()).toEqual(["registry.example.org", "registry.example.org/team", "registry.example.org/team/special"]);
    const first = (image: string) => kubeletCredentialsFor(response, image)[0]?.username;
    expect(first("registry.example.org/team/app")).toBe("team");
    expect(first("registry.example.org/team/special/x")).toBe("special");
    expect(first("registry.example.org/elsewhere/app")).toBe("registry-wide");
  });

  test("Docker Hub: every spelling of the hub key answers docker.io images", () => {
    for (const key of ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"]) {
      const file = put("config.json", { auths: { [key]: auth("hub", SECRET) } });
      const { code, stdout } = provider(request("docker.io/library/nginx"), ["--backends", "docker-config", "--docker-config", file]);
      expect(code).toBe(0);
      expect(kubeletCredentialsFor(kubeletDecode(stdout, V1), "docker.io/library/nginx")[0]?.username).toBe("hub");
    }
  });
});

describe("the real docker-credential-pass helper", () => {
  let store: PassStore;
  const HELPER_SECRET = "fake-pass-secret-8888";
  const PODMAN_SECRET = "fake-podman-hub-secret-9999";

  beforeAll(() => {
    store = createPassStore(PATH);
    store.store("registry.example.org", "pass-user", HELPER_SECRET);
    store.store("https://index.docker.io/v1/", "hub-user", HELPER_SECRET);
    // Where podman login stores a Hub login in a helper.
    store.store("docker.io", "podman-hub-user", PODMAN_SECRET);
  }, 60_000);
  afterAll(() => store?.close());

  const expectAnswer = (result: { code: number; stdout: string }, key: string, username: string) => {
    expect(result.code).toBe(0);
    expect(kubeletDecode(result.stdout, V1).auth?.[key]).toEqual({ username, password: HELPER_SECRET });
  };

  test("through credHelpers", () => {
    const file = put("config.json", { auths: { "registry.example.org": auth("not-this", SECRET) }, credHelpers: { "registry.example.org": "pass" } });
    const result = provider(request("registry.example.org/x"), ["--backends", "docker-config", "--docker-config", file], store.env, [SECRET, HELPER_SECRET]);
    expectAnswer(result, "registry.example.org", "pass-user");
  });

  test("Docker Hub: docker's https://index.docker.io/v1/ first, then docker.io, where podman login stores it", () => {
    const secrets = [SECRET, HELPER_SECRET, PODMAN_SECRET];
    // Each way a config file names the helper for Docker Hub, with an image spelling the Hub's host.
    const ways: [unknown, string][] = [
      [{ credHelpers: { "docker.io": "pass" } }, "docker.io"],
      [{ credsStore: "pass" }, "registry-1.docker.io"],
      [{ credHelpers: { "https://index.docker.io/v1/": "pass" } }, "index.docker.io"],
    ];
    const ask = ([config, host]: [unknown, string]) => {
      const image = `${host}/library/nginx`;
      const args = ["--backends", "docker-config", "--docker-config", put("config.json", config)];
      return kubeletCredentialsFor(kubeletDecode(provider(request(image), args, store.env, secrets).stdout, V1), image);
    };
    // Both spellings stored: docker's answers, even where the file names the helper by containers' key.
    expect(ask(ways[0] as [unknown, string])).toEqual([{ key: "docker.io", username: "hub-user", password: HELPER_SECRET }]);
    // Only containers' spelling: it is found, under the key the image spells.
    store.erase("https://index.docker.io/v1/");
    try {
      for (const way of ways) expect(ask(way)).toEqual([{ key: way[1], username: "podman-hub-user", password: PODMAN_SECRET }]);
    } finally {
      store.store("https://index.docker.io/v1/", "hub-user", HELPER_SECRET);
    }
  });

  test("credsStore answers instead of a plaintext entry of the registry, even with nothing (docker/cli)", () => {
    const file = put("config.json", {
      auths: { "registry.example.org": auth("stale-plaintext", SECRET), "unknown.example.org": auth("plaintext", SECRET) },
      credsStore: "pass",
    });
    const args = ["--backends", "docker-config", "--docker-config", file, "--debug"];
    expectAnswer(provider(request("registry.example.org/x"), args, store.env, [SECRET, HELPER_SECRET]), "registry.example.org", "pass-user");
    const nothing = provider(request("unknown.example.org/x"), args, store.env, [SECRET, HELPER_SECRET]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain(`${file}: credsStore is set, so the store answers for unknown.example.org and auths entry 2 is not used, as in docker`);
    expect(nothing.stderr).toContain("unknown.example.org is an unknown source");
  });

  test("through credsStore, beside the empty entry docker login writes", () => {
    const file = put("config.json", { auths: { "registry.example.org": {}, "https://index.docker.io/v1/": {} }, credsStore: "pass" });
    const args = ["--backends", "docker-config", "--docker-config", file, "--debug"];
    expectAnswer(provider(request("registry.example.org/x"), args, store.env, [HELPER_SECRET]), "registry.example.org", "pass-user");
    expectAnswer(provider(request("nginx"), args, store.env, [HELPER_SECRET]), "docker.io", "hub-user");
  });

  test("through the helper backend, with no config.json at all", () => {
    const config = put("provider.json", { backends: [{ type: "helper", helper: "pass", matchImages: ["*.example.org"] }] });
    const result = provider(request("registry.example.org/x"), ["--config", config], store.env, [HELPER_SECRET]);
    expectAnswer(result, "registry.example.org", "pass-user");
    const unmatched = provider(request("registry.example.com/x"), ["--config", config, "--on-miss", "empty"], store.env, [HELPER_SECRET]);
    expect(kubeletDecode(unmatched.stdout, V1).auth).toEqual({});
  });

  test("not found in the store is a miss", () => {
    const file = put("config.json", { credHelpers: { "unknown.example.org": "pass" } });
    const result = provider(request("unknown.example.org/x"), ["--backends", "docker-config", "--docker-config", file], store.env, [HELPER_SECRET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown.example.org is an unknown source");
    expect(result.stderr).not.toContain("warning");
  });
});
