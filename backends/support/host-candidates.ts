// The names a registry is looked up under by the `file` and `env` backends: its host[:port] and
// then each domain suffix, most specific first (the seed script's rule).
import { DEFAULTS } from "../../src/core/defaults.ts";
import { parseHost, type ImageTarget } from "../../src/core/image.ts";

/**
 * For "a.b.example.org:5000": "a.b.example.org:5000", "a.b.example.org", "b.example.org",
 * "example.org", "org". IP literals have no domain suffixes: only "host:port" and "host".
 * Lower case throughout.
 */
export function hostCandidates(target: Pick<ImageTarget, "hostname" | "port" | "isIp">): string[] {
  const candidates: string[] = [];
  if (target.port !== "") candidates.push(`${target.hostname}:${target.port}`);
  if (target.isIp) {
    candidates.push(target.hostname);
    return candidates;
  }
  const labels = target.hostname.split(".");
  for (let i = 0; i < labels.length; i++) candidates.push(labels.slice(i).join("."));
  return candidates;
}

/**
 * The kubelet matchImages patterns of the images whose lookup reaches `name` (a credential file's
 * name without ".json"): hostCandidates the other way round. "example.org" is reached from
 * example.org and every host under it: "example.org", "*.example.org", … down to `depth` more
 * labels ("*" is one label for the kubelet). "host:5000" and an IP address are reached only from
 * themselves. Images with a port reach a name without one too, but the kubelet compares ports
 * exactly and has no pattern for "any port": those need a pattern with their port. Null when no
 * lookup reaches the name (not a host, or not in lower case).
 */
export function suffixPatterns(name: string, depth: number = DEFAULTS.matchImagesSuffixDepth): string[] | null {
  let host: ReturnType<typeof parseHost>;
  try {
    host = parseHost(name);
  } catch {
    return null;
  }
  if (host.lookupHost !== name) return null;
  if (host.isIp || host.port !== "") return [name];
  return Array.from({ length: depth + 1 }, (_, i) => `${"*.".repeat(i)}${name}`);
}
