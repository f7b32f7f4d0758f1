// The names a registry is looked up under by the `file` and `env` backends: its host[:port] and
// then each domain suffix, most specific first (the seed script's rule).
import type { ImageTarget } from "../../src/core/image.ts";

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
