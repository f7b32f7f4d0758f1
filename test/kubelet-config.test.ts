// The kubelet's rules for its CredentialProviderConfig (pkg/credentialprovider/plugin/config.go,
// validateCredentialProviderConfig, and the cases of its config_test.go), the matchImages patterns
// derived from credential file names, and annotation keys.
import { describe, expect, test } from "bun:test";
import { suffixPatterns } from "../backends/support/host-candidates.ts";
import { credentialProviderConfigProblems } from "../src/core/kubelet-config.ts";
import { urlsMatch } from "../src/core/match.ts";
import { isAnnotationKey } from "../src/core/service-account.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const provider = (fields: Record<string, unknown> = {}) => ({
  name: "generic-credential-provider",
  matchImages: ["registry.example.org"],
  defaultCacheDuration: "5m",
  apiVersion: V1,
  ...fields,
});
const config = (...providers: unknown[]) => ({ apiVersion: "kubelet.config.k8s.io/v1", kind: "CredentialProviderConfig", providers });
const token = (fields: Record<string, unknown> = {}) => ({
  tokenAttributes: { serviceAccountTokenAudience: "aud", cacheType: "ServiceAccount", requireServiceAccount: false, ...fields },
});

describe("credentialProviderConfigProblems: what the kubelet refuses", () => {
  test("a valid config, with args, env and tokenAttributes", () => {
    expect(credentialProviderConfigProblems(config(provider({ args: ["--credroot", "/x"], env: [{ name: "A", value: "b" }], ...token({ optionalServiceAccountAnnotationKeys: ["example.org/account"] }) })))).toEqual([]);
  });

  const cases: [string, unknown, string][] = [
    ["no providers", config(), "at least 1 item in plugins is required"],
    ["a name with '/'", config(provider({ name: "foo/bar" })), "provider name cannot contain '/'"],
    ["a name with a space", config(provider({ name: "foo bar" })), "provider name cannot contain spaces"],
    ["the name '.'", config(provider({ name: "." })), "provider name cannot be '.'"],
    ["the name '..'", config(provider({ name: ".." })), "provider name cannot be '..'"],
    ["a name twice", config(provider(), provider()), 'duplicate value "generic-credential-provider"'],
    ["no apiVersion", config(provider({ apiVersion: "" })), 'field "providers.0.apiVersion" is required'],
    ["an unknown apiVersion", config(provider({ apiVersion: "credentialprovider.kubelet.k8s.io/v2" })), "unsupported value"],
    ["no matchImages", config(provider({ matchImages: [] })), "at least 1 item in matchImages is required"],
    ["a matchImage Go cannot parse", config(provider({ matchImages: ["%invalid%"] })), 'match image is invalid: invalid URL escape "%in"'],
    ["no defaultCacheDuration", config({ name: "p", matchImages: ["a"], apiVersion: V1 }), 'field "providers.0.defaultCacheDuration" is required'],
    ["a negative defaultCacheDuration", config(provider({ defaultCacheDuration: "-1m" })), "must be greater than or equal to 0"],
    ["a defaultCacheDuration that is not a duration", config(provider({ defaultCacheDuration: "5" })), "is not a Go duration"],
    ["an unknown field (strict decoding)", config(provider({ unknownField: 1 })), 'unknown field "providers.0.unknownField"'],
    ["a wrong type", config(provider({ args: "--debug" })), 'field "providers.0.args" must be an array'],
    ["an unknown config apiVersion", { ...config(provider()), apiVersion: "kubelet.config.k8s.io/v2" }, 'field "apiVersion"'],
    ["tokenAttributes in a v1beta1 config", { ...config(provider(token())), apiVersion: "kubelet.config.k8s.io/v1beta1" }, "unknown field (only kubelet.config.k8s.io/v1 has it)"],
    ["tokenAttributes with a v1beta1 provider", config(provider({ apiVersion: "credentialprovider.kubelet.k8s.io/v1beta1", ...token() })), "tokenAttributes is only supported for credentialprovider.kubelet.k8s.io/v1 API version"],
    ["tokenAttributes without an audience", config(provider(token({ serviceAccountTokenAudience: "" }))), "serviceAccountTokenAudience\" is required"],
    ["tokenAttributes without requireServiceAccount", config(provider(token({ requireServiceAccount: undefined }))), "requireServiceAccount\" is required"],
    ["tokenAttributes without cacheType", config(provider(token({ cacheType: undefined }))), "cacheType is required to be set when tokenAttributes is specified. Supported values are: ServiceAccount, Token"],
    ["an unknown cacheType", config(provider(token({ cacheType: "Pod" }))), 'field "providers.0.tokenAttributes.cacheType": unsupported value'],
    ["required keys without requireServiceAccount", config(provider(token({ requiredServiceAccountAnnotationKeys: ["a.org/b"] }))), "requireServiceAccount cannot be false when requiredServiceAccountAnnotationKeys is set"],
    ["a key both required and optional", config(provider(token({ requireServiceAccount: true, requiredServiceAccountAnnotationKeys: ["a.org/b"], optionalServiceAccountAnnotationKeys: ["a.org/b"] }))), "annotation keys cannot be both required and optional"],
    ["an invalid annotation key", config(provider(token({ optionalServiceAccountAnnotationKeys: ["a.org/b/c"] }))), "is not a qualified name"],
    ["an annotation key twice", config(provider(token({ optionalServiceAccountAnnotationKeys: ["a.org/b", "a.org/b"] }))), 'duplicate value "a.org/b"'],
  ];
  for (const [what, value, problem] of cases) {
    test(what, () => expect(credentialProviderConfigProblems(value).join("\n")).toContain(problem));
  }

  test("with the feature gate off, tokenAttributes are refused", () => {
    expect(credentialProviderConfigProblems(config(provider(token())), { tokenFeatureGate: false }).join()).toContain(
      "not supported when the KubeletServiceAccountTokenForCredentialProviders feature gate is disabled",
    );
  });

  test("an env value is never shown", () => {
    const problems = credentialProviderConfigProblems(config(provider({ env: [{ name: "P", value: "secret-value-1234", extra: 1 }] })));
    expect(problems.join()).toContain("unknown field");
    expect(problems.join()).not.toContain("secret-value-1234");
  });
});

describe("suffixPatterns: the images whose lookup reaches a credential file", () => {
  test("a domain suffix: the name and every host below it, three labels deep", () => {
    expect(suffixPatterns("example.org")).toEqual(["example.org", "*.example.org", "*.*.example.org", "*.*.*.example.org"]);
    expect(suffixPatterns("example.org", 1)).toEqual(["example.org", "*.example.org"]);
  });
  test("host:port and IP addresses: only themselves", () => {
    expect(suffixPatterns("registry.example.org:5000")).toEqual(["registry.example.org:5000"]);
    expect(suffixPatterns("10.0.0.5")).toEqual(["10.0.0.5"]);
    expect(suffixPatterns("10.0.0.5:5000")).toEqual(["10.0.0.5:5000"]);
    expect(suffixPatterns("[fd00::5]:5000")).toEqual(["[fd00::5]:5000"]);
  });
  test("names no lookup reaches: none", () => {
    expect(suffixPatterns("Registry.example.org")).toBeNull(); // lookups are in lower case
    expect(suffixPatterns("not a host")).toBeNull();
    expect(suffixPatterns("")).toBeNull();
  });
  test("the port caveat: a pattern without a port never matches an image with one", () => {
    const patterns = suffixPatterns("example.org") ?? [];
    expect(patterns.some((pattern) => urlsMatch(pattern, "a.b.example.org/app"))).toBe(true);
    expect(patterns.some((pattern) => urlsMatch(pattern, "a.b.example.org:5000/app"))).toBe(false);
    expect((suffixPatterns("registry.example.org:5000") ?? []).some((pattern) => urlsMatch(pattern, "registry.example.org:5000/app"))).toBe(true);
  });
});

describe("isAnnotationKey: IsQualifiedName of the key in lower case", () => {
  for (const key of ["example.org/registry-account", "registry-account", "Example.org/Account_1", "a/b", `${"a".repeat(63)}`]) {
    test(`${key}: a key`, () => expect(isAnnotationKey(key)).toBe(true));
  }
  for (const key of ["", "a/b/c", "/b", "a/", "-a", "a-", "exa mple.org/x", `${"a".repeat(64)}`, "example_org/x"]) {
    test(`${JSON.stringify(key)}: not a key`, () => expect(isAnnotationKey(key)).toBe(false));
  }
});
