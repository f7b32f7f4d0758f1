// src/core/keyring.ts against the kubelet's own keyring tests (pkg/credentialprovider/
// keyring_test.go), copied case by case: the keys a config adds, the image looked up, and whether
// (and with which credentials, in which order) the keyring answers.
import { describe, expect, test } from "bun:test";
import { authCoverage, isDefaultRegistryMatch, keyringLookup, registryCoverage } from "../src/core/keyring.ts";
import { urlsMatch } from "../src/core/match.ts";

describe("TestURLsMatch", () => {
  const cases: [string, string, boolean][] = [
    ["*.kubernetes.io", "prefix.kubernetes.io", true],
    ["prefix.*.io", "prefix.kubernetes.io", true],
    ["prefix.kubernetes.*", "prefix.kubernetes.io", true],
    ["*-good.kubernetes.io", "prefix-good.kubernetes.io", true],
    ["*.kubernetes.io/blah", "prefix.kubernetes.io/blah", true],
    ["prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", true],
    ["*.kubernetes.io:1111/blah", "prefix.kubernetes.io:1111/blah", true],
    ["prefix.*.io:1111/foo", "prefix.kubernetes.io:1111/foo/bar", true],
    ["*.kubernetes.io", "kubernetes.io", false],
    ["*.*.kubernetes.io", "prefix.kubernetes.io", false],
    ["*.*.kubernetes.io", "kubernetes.io", false],
    ["*kubernetes.io", "a.kubernetes.io", false],
    ["*kubernetes.io", "kubernetes.io", true],
    ["*.*.*.kubernetes.io", "a.b.c.kubernetes.io", true],
    ["kubernetes.io", "kubernetes.com", false],
    ["k*.io", "quay.io", false],
    ["*.kubernetes.io:1234/blah", "prefix.kubernetes.io:1111/blah", false],
    ["prefix.*.io/foo", "prefix.kubernetes.io:1111/foo/bar", false],
  ];
  for (const [glob, target, expected] of cases) {
    test(`${glob} ~ ${target}: ${expected}`, () => expect(urlsMatch(glob, target)).toBe(expected));
  }
});

describe("TestDockerKeyringForGlob: found for target + /foo/bar", () => {
  const cases: [string, string][] = [
    ["https://hello.kubernetes.io", "hello.kubernetes.io"],
    ["https://*.docker.io", "prefix.docker.io"],
    ["https://prefix.*.io", "prefix.docker.io"],
    ["https://prefix.docker.*", "prefix.docker.io"],
    ["https://*.docker.io/path", "prefix.docker.io/path"],
    ["https://prefix.*.io/path", "prefix.docker.io/path/subpath"],
    ["https://prefix.docker.*/path", "prefix.docker.io/path"],
    ["https://*.docker.io:8888", "prefix.docker.io:8888"],
    ["https://prefix.*.io:8888", "prefix.docker.io:8888"],
    ["https://prefix.docker.*:8888", "prefix.docker.io:8888"],
    ["https://*.docker.io/path:1111", "prefix.docker.io/path:1111"],
    ["https://*.docker.io/v1/", "prefix.docker.io/path:1111"],
    ["https://*.docker.io/v2/", "prefix.docker.io/path:1111"],
    ["https://prefix.docker.*/path:1111", "prefix.docker.io/path:1111"],
    ["prefix.docker.io:1111", "prefix.docker.io:1111/path"],
    ["*.docker.io:1111", "prefix.docker.io:1111/path"],
  ];
  for (const [key, target] of cases) {
    test(`${key} for ${target}`, () => expect(keyringLookup([key], `${target}/foo/bar`)).toEqual([key]));
  }
});

describe("TestKeyringMiss", () => {
  const cases: [string, string][] = [
    ["https://hello.kubernetes.io", "world.mesos.org/foo/bar"],
    ["https://*.docker.com", "prefix.docker.io"],
    ["https://suffix.*.io", "prefix.docker.io"],
    ["https://prefix.docker.c*", "prefix.docker.io"],
    ["https://prefix.*.io/path:1111", "prefix.docker.io/path/subpath:1111"],
    ["suffix.*.io", "prefix.docker.io"],
  ];
  for (const [key, lookup] of cases) {
    test(`${key} for ${lookup}`, () => expect(keyringLookup([key], `${lookup}/foo/bar`)).toEqual([]));
  }
});

describe("Docker Hub: the index.docker.io fallback", () => {
  const hub = "https://index.docker.io/v1/";
  test("TestKeyringMissWithDockerHubCredentials", () => expect(keyringLookup([hub], "world.mesos.org/foo/bar")).toEqual([]));
  test("TestKeyringHitWithUnqualifiedDockerHub", () => expect(keyringLookup([hub], "google/docker-registry")).toEqual([hub]));
  test("TestKeyringHitWithUnqualifiedLibraryDockerHub", () => expect(keyringLookup([hub], "jenkins")).toEqual([hub]));
  test("TestKeyringHitWithQualifiedDockerHub", () => expect(keyringLookup([hub], "index.docker.io/v1//google/docker-registry")).toEqual([hub]));
  test("the kubelet's own image form", () => expect(keyringLookup([hub], "docker.io/library/nginx")).toEqual([hub]));
  test("only when nothing else matches", () => {
    expect(keyringLookup([hub, "docker.io/team"], "docker.io/team/app")).toEqual(["docker.io/team"]);
    expect(keyringLookup([hub, "docker.io/team"], "docker.io/other/app")).toEqual([hub]);
  });
  test("TestIsDefaultRegistryMatch", () => {
    for (const image of ["foo/bar", "docker.io/foo/bar", "index.docker.io/foo/bar", "foo"]) expect(isDefaultRegistryMatch(image)).toBe(true);
    for (const image of ["", "registry.tld/foo/bar", "registry:5000/foo/bar", "myhostdocker.io/foo/bar"]) expect(isDefaultRegistryMatch(image)).toBe(false);
  });
});

describe("TestDockerKeyringLookup: every matching key, most specific first", () => {
  const keys = ["bar.example.com", "bar.example.com/pong"]; // ada, grace
  const cases: [string, string[]][] = [
    ["bar.example.com", ["bar.example.com"]],
    ["bar.example.com/pong", ["bar.example.com/pong", "bar.example.com"]],
    ["bar.example.com/ping", ["bar.example.com"]],
    ["bar.example.com/pongz", ["bar.example.com/pong", "bar.example.com"]],
    ["bar.example.com/pong/pang", ["bar.example.com/pong", "bar.example.com"]],
    ["example.com", []],
    ["foo.example.com", []],
  ];
  for (const [image, expected] of cases) test(image, () => expect(keyringLookup(keys, image)).toEqual(expected));

  test("TestIssue3797: https://quay.io/v1/ serves quay.io", () => {
    for (const image of ["quay.io", "quay.io/foo", "quay.io/foo/bar"]) expect(keyringLookup(["https://quay.io/v1/"], image)).toEqual(["https://quay.io/v1/"]);
  });
});

describe("how much of a registry keys or patterns cover", () => {
  const image = "registry.example.org/team-b/app";
  test("a path-less pattern matching the host covers all of it", () => {
    expect(registryCoverage(["registry.example.org"], image)).toBe("all");
    expect(registryCoverage(["*.example.org"], image)).toBe("all");
    expect(registryCoverage(["registry.example.org/team-a", "registry.example.org"], image)).toBe("all");
  });
  test("only patterns with a path: part of it, whether or not they match this image", () => {
    expect(registryCoverage(["registry.example.org/team-a"], image)).toBe("part");
    expect(registryCoverage(["registry.example.org/team-b"], image)).toBe("part");
  });
  test("other hosts and ports: none", () => {
    expect(registryCoverage(["other.example.org", "registry.example.org:5000"], image)).toBe("none");
  });
  test("auth keys are filed as the kubelet does first", () => {
    expect(authCoverage(["https://registry.example.org/v1/"], image)).toBe("all");
    expect(authCoverage(["https://index.docker.io/v1/"], "docker.io/library/nginx")).toBe("all");
    expect(authCoverage(["index.docker.io"], image)).toBe("none");
  });
});
