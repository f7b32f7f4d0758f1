// The two key normalisers (src/core/keys.ts): the kubelet's keyring and docker/cli's config files.
import { describe, expect, test } from "bun:test";
import { DOCKER_HUB_HOSTS, parseHost } from "../src/core/image.ts";
import { dockerConfigKey, keyringKey } from "../src/core/keys.ts";

describe("keyringKey: BasicDockerKeyring.Add", () => {
  const cases: [string, string][] = [
    ["registry.example.org", "registry.example.org"],
    ["https://registry.example.org/v1/", "registry.example.org"],
    ["https://registry.example.org/v2/", "registry.example.org"],
    ["http://registry.example.org:5000", "registry.example.org:5000"],
    ["registry.example.org/team", "registry.example.org/team"],
    ["https://index.docker.io/v1/", "index.docker.io"],
  ];
  for (const [location, key] of cases) test(location, () => expect(keyringKey(location)).toBe(key));
});

describe("dockerConfigKey: docker/cli and containers/image", () => {
  test("scheme, API version path and trailing slashes go; namespaces stay; hosts lower-cased", () => {
    expect(dockerConfigKey("https://Registry.Example.org:5000/v2/")).toEqual({ registry: "registry.example.org:5000", path: "" });
    expect(dockerConfigKey("HTTP://registry.example.org/v1")).toEqual({ registry: "registry.example.org", path: "" });
    expect(dockerConfigKey("registry.example.org/Team/app/")).toEqual({ registry: "registry.example.org", path: "/Team/app" });
    expect(dockerConfigKey("https://index.docker.io/v1/")).toEqual({ registry: "docker.io", path: "" });
    expect(dockerConfigKey("registry-1.docker.io/org")).toEqual({ registry: "docker.io", path: "/org" });
    expect(dockerConfigKey("docker.io:443")).toEqual({ registry: "docker.io:443", path: "" });
    expect(dockerConfigKey("")).toBeNull();
    expect(dockerConfigKey("../etc")).toBeNull();
  });
});

describe("where the two differ, and why", () => {
  // [key, keyringKey's key, dockerConfigKey's registry + path, the reason]
  const table: [string, string, string | null, string][] = [
    ["Registry.Example.org", "Registry.Example.org", "registry.example.org",
      "the kubelet compares hosts case-sensitively; docker/cli lower-cases them"],
    ["index.docker.io", "index.docker.io", "docker.io",
      "the kubelet files a Hub alias as written (and falls back to it for Hub images); docker/cli and containers/image map every alias to one registry"],
    ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "the same, for Docker's own Hub key"],
    ["registry.example.org/v1", "registry.example.org/v1", "registry.example.org",
      "the kubelet drops only a \"/v1/\" followed by more path; docker/cli drops the API path in any form"],
    ["registry.example.org/team/", "registry.example.org/team/", "registry.example.org/team",
      "the kubelet keeps a trailing slash on a namespace (a string-prefix match); docker/cli strips it"],
    ["HTTPS://registry.example.org", "HTTPS://registry.example.org", "registry.example.org",
      "the kubelet strips only a lower-case scheme; docker/cli any case"],
    ["not a host/x", "not a host/x", null, "the kubelet files anything; a config key whose host is invalid is no key for docker/cli"],
  ];
  for (const [key, keyring, docker, why] of table) {
    test(`${key}: ${why}`, () => {
      expect(keyringKey(key)).toBe(keyring);
      const parsed = dockerConfigKey(key);
      expect(parsed === null ? null : parsed.registry + parsed.path).toBe(docker);
      expect(keyring).not.toBe(docker);
    });
  }
});

describe("dockerConfigKey without regular expressions", () => {
  // What it was with the two patterns it no longer uses, as the reference.
  const reference = (key: string) => {
    const rest = key.replace(/^https?:\/\//i, "");
    const slash = rest.indexOf("/");
    const host = slash === -1 ? rest : rest.slice(0, slash);
    let path = slash === -1 ? "" : rest.slice(slash).replace(/\/+$/, "");
    if (path === "/v1" || path === "/v2") path = "";
    else if (path.startsWith("/v1/") || path.startsWith("/v2/")) path = path.slice(3);
    let lookupHost: string;
    try {
      lookupHost = parseHost(host).lookupHost;
    } catch {
      return null;
    }
    return { registry: DOCKER_HUB_HOSTS.has(lookupHost) ? "docker.io" : lookupHost, path };
  };
  test("on generated keys", () => {
    const pieces = ["http://", "HTTPS://", "https:/", "hTtP://", "h", "/", "//", "r.example", ":5000", "/v1", "/v2/", "team", "İ", "ſ", "index.docker.io"];
    let seed = 3;
    const random = () => (seed = (seed * 48271) % 2147483647);
    let valid = 0;
    for (let n = 0; n < 20_000; n++) {
      const key = Array.from({ length: random() % 6 }, () => pieces[random() % pieces.length]).join("");
      const expected = reference(key);
      expect({ key, parsed: dockerConfigKey(key) }).toEqual({ key, parsed: expected });
      if (expected !== null) valid++;
    }
    expect(valid).toBeGreaterThan(1_000);
  });
});
