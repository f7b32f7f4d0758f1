// `matchImages` of the helper and exec backends: the kubelet's own pattern rules
// (src/core/match.ts), so a pattern means here what it means in the kubelet's provider config.
import { registryCoverage } from "../../src/core/keyring.ts";
import { urlsMatch } from "../../src/core/match.ts";

/**
 * Whether the backend runs for this image, and, when its patterns cover only part of the image's
 * registry (a pattern with a path, such as "registry.example.org/team-a"), why its answer (or its
 * silence) is not the same for every image of the registry.
 */
export function checkMatchImages(matchImages: readonly string[], image: string): { matches: boolean; partial?: string } {
  const matches = matchImages.some((pattern) => urlsMatch(pattern, image));
  if (registryCoverage(matchImages, image) !== "part") return { matches };
  return { matches, partial: "its matchImages cover only part of the registry" };
}
