// `matchImages` of the helper and exec backends: the kubelet's own pattern rules
// (src/core/match.ts), so a pattern means here what it means in the kubelet's provider config.
import * as v from "valibot";
import { registryCoverage } from "../../src/core/keyring.ts";
import { matchImageProblem, urlsMatch } from "../../src/core/match.ts";

/**
 * One pattern of a backend's `matchImages`: refused at start-up when the kubelet's matcher would
 * never match it as written (a scheme, a query, a glob in the path…: src/core/match.ts).
 */
export const matchImagePattern = v.pipe(
  v.string(),
  v.check((pattern) => pattern !== "", "must not be empty"),
  v.check(
    (pattern) => matchImageProblem(pattern) === null,
    (issue) => `${matchImageProblem(String(issue.input))}; the kubelet's matcher never matches it as written`,
  ),
);

/** `matchImages` where the backend needs one (helper, token). */
export const requiredMatchImages = v.pipe(v.array(matchImagePattern), v.check((list) => list.length > 0, "must list at least one pattern"));

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
