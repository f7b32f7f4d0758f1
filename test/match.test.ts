import { describe, expect, test } from "bun:test";
import { urlsMatch } from "../src/core/match.ts";

// Cases from the kubelet's keyring tests (pkg/credentialprovider/keyring_test.go).
describe("urlsMatch: the kubelet's URLsMatchStr", () => {
  const cases: [string, string, boolean][] = [
    ["registry.example.org", "registry.example.org/app", true],
    ["registry.example.org", "registry.example.org:5000/app", false], // ports must be equal
    ["registry.example.org:5000", "registry.example.org/app", false],
    ["registry.example.org:5000", "registry.example.org:5000/app", true],
    ["*.example.org", "a.example.org/app", true],
    ["*.example.org", "example.org/app", false],
    ["*.example.org", "a.b.example.org/app", false],
    ["*.*.example.org", "a.b.example.org/app", true],
    ["example.*", "example.org/app", true],
    ["a?c.example.org", "abc.example.org/x", false], // Go parses "?" as the start of a query
    ["[a-c]x.example.org", "bx.example.org/x", true],
    ["[a-c]x.example.org", "dx.example.org/x", false],
    ["reg.example.org/team", "reg.example.org/team/app", true],
    ["reg.example.org/team", "reg.example.org/other/app", false],
    ["reg.example.org/te", "reg.example.org/team/app", true], // a string prefix, as the kubelet does
    ["reg.example.org/team/app", "reg.example.org/team", false],
    ["docker.io", "docker.io/library/nginx", true],
    ["[::1]:5000", "[::1]:5000/x", true],
    ["[::1]:5000", "[::1]:5001/x", false],
    ["Registry.example.org", "registry.example.org/x", false], // case-sensitive
  ];
  for (const [pattern, image, expected] of cases) {
    test(`${pattern} vs ${image}: ${expected}`, () => expect(urlsMatch(pattern, image)).toBe(expected));
  }
});
