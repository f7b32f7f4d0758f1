// What the kubelet's keyring does with the `auth` map of an answer (pkg/credentialprovider/
// keyring.go, BasicDockerKeyring): which keys it uses for an image, and whether a set of keys (or
// of matchImages patterns) covers every image of the image's registry or only part of it, which
// decides whether an answer may be cached for the whole registry (docs/ARCHITECTURE.md, "Cache scope").
import { keyringKey } from "./keys.ts";
import { urlsMatch } from "./match.ts";

/** The keyring's own Docker Hub key (defaultRegistryHost), used for Hub images when nothing else matches. */
const DEFAULT_REGISTRY_HOST = "index.docker.io";

/**
 * isDefaultRegistryMatch: is this image on Docker Hub as the keyring sees it? "docker.io/…",
 * "index.docker.io/…", a single name, or a first component without "." or ":".
 */
export function isDefaultRegistryMatch(image: string): boolean {
  const slash = image.indexOf("/");
  if (slash === -1) return image !== "";
  const first = image.slice(0, slash);
  if (first === "") return false;
  return first === "docker.io" || first === DEFAULT_REGISTRY_HOST || !/[.:]/.test(first);
}

/**
 * BasicDockerKeyring.Lookup: the keys (as given) whose credentials the kubelet tries for an image,
 * in its order. Keys are filed by keyringKey and tried in reverse-sorted order (more specific
 * first); every key that matches is used. Only when none matches does a Hub image fall back to a
 * key filed as "index.docker.io" (for example "https://index.docker.io/v1/").
 */
export function keyringLookup(keys: Iterable<string>, image: string): string[] {
  const byKey = new Map<string, string[]>();
  for (const key of keys) {
    const filed = keyringKey(key);
    byKey.set(filed, [...(byKey.get(filed) ?? []), key]);
  }
  const index = [...byKey.keys()].sort().reverse();
  const used = index.filter((filed) => urlsMatch(filed, image)).flatMap((filed) => byKey.get(filed) ?? []);
  if (used.length > 0 || !isDefaultRegistryMatch(image)) return used;
  return byKey.get(DEFAULT_REGISTRY_HOST) ?? [];
}

/**
 * How much of the image's registry a set of patterns covers, by the kubelet's matching rules:
 *  "all"  one of them applies to every image of the registry (no path, host and port match);
 *  "part" none does, but one with a path has a matching host: it covers other images of the
 *         registry, or only some, so an answer for this image is not the answer for all of them;
 *  "none" none has anything to do with the registry.
 * `patterns` are matchImages patterns, or auth keys already filed by keyringKey.
 */
export function registryCoverage(patterns: Iterable<string>, image: string): "all" | "part" | "none" {
  const slash = image.indexOf("/");
  const registry = slash === -1 ? image : image.slice(0, slash);
  let part = false;
  for (const pattern of patterns) {
    const patternSlash = pattern.indexOf("/");
    const host = patternSlash === -1 ? pattern : pattern.slice(0, patternSlash);
    const path = patternSlash === -1 ? "" : pattern.slice(patternSlash);
    if (!urlsMatch(host, `${registry}/`)) continue;
    if (path === "" || path === "/") return "all";
    part = true;
  }
  return part ? "part" : "none";
}

/** registryCoverage of an auth map's keys, counting the Hub fallback key as covering all of Docker Hub. */
export function authCoverage(keys: Iterable<string>, image: string): "all" | "part" | "none" {
  const filed = [...keys].map(keyringKey);
  if (isDefaultRegistryMatch(image) && filed.includes(DEFAULT_REGISTRY_HOST)) return "all";
  return registryCoverage(filed, image);
}
