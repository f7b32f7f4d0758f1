// The kubelet's side of a response, for tests: how it decodes our stdout (strictly, since 1.32:
// unknown, duplicate or wrongly-cased fields reject the whole response), which auth key it
// would use for an image (keyring: every matching key, most specific first), and how it pulls
// with them through a container runtime's CRI.
import * as v from "valibot";
import { parseImage } from "../../src/core/image.ts";
import { describeJsonError, parseJson } from "../../src/core/json.ts";
import { keyringKey } from "../../src/core/keys.ts";
import { urlsMatch } from "../../src/core/match.ts";
import { ResponseSchema } from "../../src/core/protocol.ts";
import { describeIssues } from "../../src/core/validation.ts";
import type { CriClient } from "./cri.ts";

export type KubeletResponse = v.InferOutput<typeof ResponseSchema>;

/** Decodes stdout as the kubelet does; throws with the reason it would reject it. */
export function kubeletDecode(stdout: string, requestApiVersion: string): KubeletResponse {
  const json = parseJson(stdout, { rejectDuplicateKeys: true });
  if (!json.ok) throw new Error(`kubelet rejects: ${describeJsonError(json)}`);
  const parsed = v.safeParse(ResponseSchema, json.value);
  if (!parsed.success) throw new Error(`kubelet rejects: ${describeIssues(parsed.issues)}`);
  if (parsed.output.apiVersion !== requestApiVersion) {
    throw new Error("kubelet rejects: apiVersion differs from the request's");
  }
  return parsed.output;
}

/** The credentials the kubelet would try for an image, most specific key first. */
export function kubeletCredentialsFor(response: KubeletResponse, image: string): { key: string; username: string; password: string }[] {
  const keys = Object.keys(response.auth ?? {})
    .filter((key) => urlsMatch(keyringKey(key), image))
    .sort()
    .reverse(); // BasicDockerKeyring keeps its index reverse-sorted: longer (more specific) first
  return keys.map((key) => ({ key, ...(response.auth ?? {})[key]! }));
}

/**
 * The kubelet's pull (pkg/kubelet/images and kuberuntime_image.go): the credentials its keyring
 * has for the image's repository, most specific first, each copied into a CRI AuthConfig (from a
 * provider's answer: username and password, nothing else), tried in turn until a pull succeeds;
 * with none, one pull without credentials. Returns the runtime's image_ref, or throws the last
 * pull's error.
 */
export async function kubeletPull(runtime: Pick<CriClient, "pullImage">, response: KubeletResponse, image: string): Promise<string> {
  const credentials = kubeletCredentialsFor(response, parseImage(image).image);
  if (credentials.length === 0) return runtime.pullImage(image);
  let lastError: unknown;
  for (const { username, password } of credentials) {
    try {
      return await runtime.pullImage(image, { username, password });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
