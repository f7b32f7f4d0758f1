// `matchImages` of the helper and exec backends: the kubelet's own pattern rules
// (src/core/match.ts), so a pattern means here what it means in the kubelet's provider config.
import * as v from "valibot";
import { registryCoverage } from "../../src/core/keyring.ts";
import { matchImageProblem, urlsMatch } from "../../src/core/match.ts";
import type { BackendContext, PartialMiss } from "../types.ts";

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
 * Whether a backend limited by `matchImages` (every image when undefined) runs for this image,
 * said under --debug when it does not, and, when its patterns cover only part of the image's
 * registry (a pattern with a path, such as "registry.example.org/team-a"), why its answer, or its
 * silence, is not the same for every image of the registry: `miss` is what it answers when it has
 * nothing (null, or that partial miss), and `partial` goes on its hit.
 */
export function checkMatchImages(
  matchImages: readonly string[] | undefined,
  image: string,
  context: Pick<BackendContext, "debug">,
): { matches: boolean; partial: string | undefined; miss: PartialMiss | null } {
  if (matchImages === undefined) return { matches: true, partial: undefined, miss: null };
  const matches = matchImages.some((pattern) => urlsMatch(pattern, image));
  const partial = registryCoverage(matchImages, image) === "part" ? "its matchImages cover only part of the registry" : undefined;
  if (!matches) context.debug(`no matchImages pattern matches ${image}`);
  return { matches, partial, miss: partial === undefined ? null : { partial } };
}
