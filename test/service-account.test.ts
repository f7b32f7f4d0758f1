// Who the pod runs as (src/core/service-account.ts), and backends scoped by it (backends/registry.ts).
import { describe, expect, test } from "bun:test";
import { BackendOptionsError } from "../backends/types.ts";
import { InvalidTokenError, matchesServiceAccount, serviceAccountOf, serviceAccountPattern } from "../src/core/service-account.ts";
import * as v from "valibot";
import { lookupTarget, makeBackend, recordingContext } from "./support/context.ts";
import { put, sharedScratchDirectory } from "./support/files.ts";
import { serviceAccountToken, tokenWithPayload } from "./support/tokens.ts";

describe("serviceAccountOf: the identity in a bound token's claims", () => {
  test("a token as the API server issues it", () => {
    const token = serviceAccountToken({ namespace: "team-a", name: "builder", uid: "uid-1" });
    expect(serviceAccountOf(token)).toEqual({ namespace: "team-a", name: "builder", uid: "uid-1" });
  });

  const secretish = "Zx8SECRETPART";
  const cases: [string, string, RegExp][] = [
    ["not a JWT", `${secretish}`, /^is not a JWT/],
    ["two parts", `a.${secretish}`, /^is not a JWT/],
    ["not base64url", `a.${secretish}+/=.c`, /^is not a JWT/],
    ["a payload that is not JSON", `a.${Buffer.from(`{${secretish}`).toString("base64url")}.c`, /^has claims that are not a service account's: invalid JSON at line 1, column 2/],
    ["no kubernetes.io claim", tokenWithPayload({ sub: secretish }), /missing field "kubernetes\.io"/],
    ["no service account", tokenWithPayload({ "kubernetes.io": { namespace: "team-a" } }), /missing field "kubernetes\.io\.serviceaccount"/],
    ["a namespace that is not a name", tokenWithPayload({ "kubernetes.io": { namespace: `../${secretish}`, serviceaccount: { name: "x" } } }), /field "kubernetes\.io\.namespace" must be a namespace name/],
    ["a sub that names another account", tokenWithPayload({ sub: "system:serviceaccount:team-b:x", "kubernetes.io": { namespace: "team-a", serviceaccount: { name: "x" } } }), /"sub" claim that does not name its service account/],
    ["unknown claims hold a secret: never named", tokenWithPayload({ [secretish]: 1, sub: 5, "kubernetes.io": { namespace: "a", serviceaccount: { name: "b" } } }), /field "sub" must be a string/],
  ];
  for (const [what, token, message] of cases) {
    test(what, () => {
      let error: unknown;
      try {
        serviceAccountOf(token);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secretish);
    });
  }
});

describe("serviceAccounts patterns", () => {
  test("namespace/name, either part a name or *", () => {
    for (const good of ["team-a/builder", "team-a/*", "*/builder", "*/*", "ci/app.v1"]) expect(v.is(serviceAccountPattern(), good)).toBe(true);
    for (const bad of ["team-a", "team-a/", "/x", "Team/x", "a/b/c", "a/*b", "../x", ""]) expect(v.is(serviceAccountPattern(), bad)).toBe(false);
  });
  test("matching", () => {
    const identity = { namespace: "team-a", name: "builder", uid: "u" };
    expect(matchesServiceAccount(["team-a/*"], identity)).toBe(true);
    expect(matchesServiceAccount(["*/builder"], identity)).toBe(true);
    expect(matchesServiceAccount(["team-a/other", "team-b/*"], identity)).toBe(false);
  });
});

describe("scoped backends (backends/registry.ts)", () => {
  const dir = sharedScratchDirectory("gcp-sa-");
  put(dir, "registry.example.org.json", { username: "team-a-user", password: "fake-pw" });
  put(dir, "acct-1/registry.example.org.json", { username: "acct-1-user", password: "fake-pw" });
  const identity = (namespace: string) => ({ namespace, name: "default", uid: "u" });

  test("asked only for the service accounts it names; never without a token", async () => {
    const backend = makeBackend("file", "team-a", { dir, serviceAccounts: ["team-a/*"] }, recordingContext());
    expect((await backend.lookup(lookupTarget("registry.example.org/x", { identity: identity("team-a") })))?.partial).toBeUndefined();
    expect(await backend.lookup(lookupTarget("registry.example.org/x", { identity: identity("team-a") }))).toMatchObject({ auth: { "registry.example.org": { username: "team-a-user" } } });
    expect(await backend.lookup(lookupTarget("registry.example.org/x", { identity: identity("team-b") }))).toBeNull();
    expect(await backend.lookup(lookupTarget("registry.example.org/x"))).toBeNull();
  });

  test("annotation picks a subdirectory; missing or not a DNS label: nothing", async () => {
    const context = recordingContext();
    const backend = makeBackend("file", "accounts", { dir, serviceAccounts: ["team-a/*"], annotation: "example.org/account" }, context);
    const ask = (value?: string) =>
      backend.lookup(lookupTarget("registry.example.org/x", { identity: identity("team-a"), ...(value === undefined ? {} : { serviceAccountAnnotations: { "example.org/account": value } }) }));
    expect(await ask("acct-1")).toMatchObject({ auth: { "registry.example.org": { username: "acct-1-user" } }, source: "accounts <example.org/account>/registry.example.org.json" });
    expect(await ask()).toBeNull();
    for (const bad of ["..", "acct-1/..", "ACCT-1", "a/b", ""]) expect(await ask(bad)).toBeNull();
    for (const message of context.messages) expect(message).not.toContain("acct-1/");
  });

  test("start-up errors: annotation without serviceAccounts, bad patterns, annotation on a backend without it", () => {
    const create = (type: "file" | "helper", options: unknown) => () => makeBackend(type, "x", options, recordingContext());
    expect(create("file", { dir, annotation: "example.org/a" })).toThrow(BackendOptionsError);
    expect(create("file", { dir, annotation: "example.org/a" })).toThrow('backend "x": field "annotation" needs "serviceAccounts" on the same backend');
    expect(create("file", { dir, serviceAccounts: [] })).toThrow(/field "serviceAccounts" must list at least one/);
    expect(create("file", { dir, serviceAccounts: ["team-a"] })).toThrow(/field "serviceAccounts\.0" must be "namespace\/name"/);
    expect(create("helper", { helper: "x", matchImages: ["r.example.org"], serviceAccounts: ["a/*"], annotation: "example.org/a" })).toThrow(/unknown field "annotation"/);
  });
});
