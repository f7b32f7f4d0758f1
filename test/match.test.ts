import { describe, expect, test } from "bun:test";
import { matchImageProblem, parseSchemelessUrl, urlsMatch } from "../src/core/match.ts";

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
    ["x[a-c].example.org", "xb.example.org/x", false], // newer Go refuses a "[" after the start of a host
    ["[a-c]x.example.org", "bx.example.org/x", false], // Go: a host starting with "[" is an IP literal: invalid port "x.example.org"
    ["x[ab]", "xa/x", false],
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

// credentialprovider.ParseSchemelessURL is Go's url.Parse("https://" + text): the kubelet refuses a
// matchImages pattern it cannot parse (config.go: "match image is invalid: parse ...: <error>").
describe("parseSchemelessUrl: Go's url.Parse errors", () => {
  const cases: [string, string | null][] = [
    ["registry.example.org", null],
    ["*.registry.example.org:5000/team", null],
    ["[fd00::5]:5000", null],
    ["host:", null], // an empty port is a valid optional port
    ["%invalid%", 'invalid URL escape "%in"'], // config_test.go's case
    ["reg.example.org/%zz", 'invalid URL escape "%zz"'],
    ["%41.example.org", 'invalid URL escape "%41"'], // a host may escape only non-ASCII bytes (and %25)
    ["reg example.org", 'invalid character " " in host name'],
    ["reg.example.org:http", 'invalid port ":http" after host'],
    ["a:b:5000", 'invalid port ":b:5000" after host'], // newer Go: the first ":" starts the port
    ["[fd00::5", "missing ']' in host"],
    ["[10.0.0.1]", "invalid host: not an IPv6 address in brackets"],
    ["reg.example.org/\u0001", "net/url: invalid control character in URL"],
    ["reg.example.org#%zz", 'invalid URL escape "%zz"'], // the fragment is unescaped too
  ];
  for (const [input, error] of cases) {
    test(JSON.stringify(input), () => {
      const parsed = parseSchemelessUrl(input);
      expect(parsed.ok ? null : parsed.error).toBe(error);
    });
  }
});

describe("matchImageProblem: patterns the kubelet never matches as written", () => {
  const fine = ["registry.example.org", "*.example.org", "*.*.example.org:5000", "registry.example.org/team-a/", "docker.io", "[::1]:5000", "10.0.0.5:5000"];
  for (const pattern of fine) test(`${pattern}: fine`, () => expect(matchImageProblem(pattern)).toBeNull());
  const wrong: [string, string][] = [
    ["https://registry.example.org", "has a scheme"],
    ["http://registry.example.org/v2/", "has a scheme"],
    ["user@registry.example.org", "user information"],
    ["registry.example.org?tag=1", "'?' or '#'"],
    ["a?c.example.org", "'?' or '#'"],
    ["registry.example.org#x", "'?' or '#'"],
    ["", "has no host"],
    ["/team", "has no host"],
    ["example..org", "empty host label"],
    ["registry.example.org.", "empty host label"],
    ["*.example.org/*", "a path no image has"], // the path is a literal prefix, never a glob
    ["registry.example.org/Team", "a path no image has"],
    ["registry.example.org:abc", "cannot be parsed by the kubelet"],
  ];
  for (const [pattern, problem] of wrong) {
    test(`${JSON.stringify(pattern)}: ${problem}`, () => expect(matchImageProblem(pattern)).toContain(problem));
  }
  test("what it accepts, the kubelet can match", () => {
    expect(urlsMatch("*.example.org:5000", "a.example.org:5000/x")).toBe(true);
    expect(urlsMatch("registry.example.org/team-a/", "registry.example.org/team-a/app")).toBe(true);
  });
});
