// The test-side checker of the kubelet's response rules must itself reject what the kubelet
// rejects, or the binary tests that rely on it would prove nothing.
import { describe, expect, test } from "bun:test";
import { formatResponse } from "../src/core/protocol.ts";
import { KubeletCache, kubeletCacheEntry, kubeletDecode } from "./support/kubelet.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const good = formatResponse({ apiVersion: V1, cacheKeyType: "Registry", cacheDuration: "5m0s", auth: { "r.example.org": { username: "u", password: "p" } } });

describe("kubeletDecode", () => {
  test("accepts what we print", () => {
    expect(kubeletDecode(good, V1).auth).toEqual({ "r.example.org": { username: "u", password: "p" } });
  });

  const rejected: [string, string, string, RegExp][] = [
    ["an extra top-level field", good.replace('"auth"', '"extra":1,"auth"'), V1, /unknown field number 5 of the document$/],
    ["an extra auth field", good.replace('"password":"p"', '"password":"p","auth":"dTpw"'), V1, /unknown field number 3 of field "auth.<key 1>"$/],
    ["a wrongly-cased field", good.replace('"cacheKeyType"', '"CacheKeyType"'), V1, /unknown field number 3 of the document$|missing field "cacheKeyType"$/],
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

describe("null, as Go's decoder reads it (sigs.k8s.io/json: null is \"absent\" for pointers, maps and strings)", () => {
  const accepted: [string, string, object][] = [
    ["cacheDuration", good.replace('"5m0s"', "null"), { cacheDuration: undefined }],
    ["auth", good.replace(/"auth":\{.*\}\}/, '"auth":null}'), { auth: undefined }],
    ["an auth entry", good.replace('{"username":"u","password":"p"}', "null"), { auth: { "r.example.org": { username: "", password: "" } } }],
    ["username", good.replace('"username":"u"', '"username":null'), { auth: { "r.example.org": { username: "", password: "p" } } }],
    ["password", good.replace('"password":"p"', '"password":null'), { auth: { "r.example.org": { username: "u", password: "" } } }],
  ];
  for (const [field, stdout, expected] of accepted) {
    test(`accepts null for ${field}`, () => expect(kubeletDecode(stdout, V1)).toMatchObject(expected));
  }
  for (const field of ["cacheKeyType", "kind", "apiVersion"]) {
    test(`rejects null for ${field}`, () => {
      expect(() => kubeletDecode(good.replace(new RegExp(`"${field}":"[^"]*"`), `"${field}":null`), V1)).toThrow(/kubelet rejects/);
    });
  }
});

describe("the kubelet's cache (plugin.go)", () => {
  const config = { defaultCacheDuration: "5m" };
  const response = (cacheKeyType: "Image" | "Registry" | "Global", cacheDuration?: string) =>
    kubeletDecode(formatResponse({ apiVersion: V1, cacheKeyType, cacheDuration, auth: {} }), V1);

  test("the cache key by cacheKeyType", () => {
    const image = "registry.example.org:5000/team/app";
    expect(kubeletCacheEntry(response("Image", "1m"), image, config)?.key).toBe(image);
    expect(kubeletCacheEntry(response("Registry", "1m"), image, config)?.key).toBe("registry.example.org:5000");
    expect(kubeletCacheEntry(response("Global", "1m"), image, config)?.key).toBe("<global>");
  });

  test("no cacheDuration: the provider config's default; 0s or a 0s default: not cached", () => {
    expect(kubeletCacheEntry(response("Image"), "r/x", config)?.nanos).toBe(300_000_000_000n);
    expect(kubeletCacheEntry(response("Image", "0s"), "r/x", config)).toBeNull();
    expect(kubeletCacheEntry(response("Image"), "r/x", { defaultCacheDuration: "0s" })).toBeNull();
  });

  test("a cached Registry answer serves the next image of the registry without a call", () => {
    const auth = { "r.example.org": { username: "u", password: "p" } };
    const cache = new KubeletCache(() => formatResponse({ apiVersion: V1, cacheKeyType: "Registry", auth }));
    expect(cache.pull("r.example.org/a")).toBe("u");
    expect(cache.pull("r.example.org/b")).toBe("u");
    expect(cache.calls).toEqual(["r.example.org/a"]);
  });
});
