// The test-side checker of the kubelet's response rules must itself reject what the kubelet
// rejects, or the binary tests that rely on it would prove nothing.
import { describe, expect, test } from "bun:test";
import { formatResponse } from "../src/core/protocol.ts";
import { kubeletDecode } from "./support/kubelet.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const good = formatResponse({ apiVersion: V1, cacheKeyType: "Registry", cacheDuration: "5m0s", auth: { "r.example.org": { username: "u", password: "p" } } });

describe("kubeletDecode", () => {
  test("accepts what we print", () => {
    expect(kubeletDecode(good, V1).auth).toEqual({ "r.example.org": { username: "u", password: "p" } });
  });

  const rejected: [string, string, string, RegExp][] = [
    ["an extra top-level field", good.replace('"auth"', '"extra":1,"auth"'), V1, /unknown field "extra"/],
    ["an extra auth field", good.replace('"password":"p"', '"password":"p","auth":"dTpw"'), V1, /unknown field "auth\.r\.example\.org\.auth"/],
    ["a wrongly-cased field", good.replace('"cacheKeyType"', '"CacheKeyType"'), V1, /unknown field "CacheKeyType"|missing field "cacheKeyType"/],
    ["a duplicate field", good.replace('"kind"', '"cacheDuration":"1m","kind"'), V1, /duplicate key$/],
    ["a numeric cacheDuration", good.replace('"5m0s"', "300"), V1, /field "cacheDuration" must be a string/],
    ["a bad cacheKeyType", good.replace('"Registry"', '"Host"'), V1, /field "cacheKeyType" must be one of/],
    ["no cacheKeyType", good.replace('"cacheKeyType":"Registry",', ""), V1, /missing field "cacheKeyType"/],
    ["another apiVersion than the request's", good, "credentialprovider.kubelet.k8s.io/v1beta1", /apiVersion differs/],
    ["two documents", good + good, V1, /unexpected text after the JSON value/],
  ];
  for (const [what, stdout, version, reason] of rejected) {
    test(`rejects ${what}`, () => expect(() => kubeletDecode(stdout, version)).toThrow(reason));
  }
});
