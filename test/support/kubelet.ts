// The kubelet's side of a response, for tests: how it decodes our stdout (strictly, since 1.32:
// unknown, duplicate or wrongly-cased fields reject the whole response), which credentials its
// keyring picks for an image, how it caches the answer (pkg/credentialprovider/plugin/plugin.go:
// the whole auth map under the image, its registry or one global slot, for the response's
// cacheDuration or the provider config's defaultCacheDuration), and how it pulls with them
// through a container runtime's CRI.
import { parseImage } from "../../src/core/image.ts";
import { keyringLookup } from "../../src/core/keyring.ts";
import { parseGoDuration } from "../../src/core/duration.ts";
import { parseResponse, type ParsedResponse } from "../../src/core/protocol.ts";
import type { CriClient } from "./cri.ts";

export type KubeletResponse = ParsedResponse;

/** Decodes stdout as the kubelet does; throws with the reason it would reject it. */
export function kubeletDecode(stdout: string, requestApiVersion: string): KubeletResponse {
  const response = parseResponse(stdout, (problem) => new Error(`kubelet rejects: ${problem}`));
  if (response.apiVersion !== requestApiVersion) throw new Error("kubelet rejects: apiVersion differs from the request's");
  return response;
}

/** The credentials the kubelet tries for an image (BasicDockerKeyring.Lookup), in its order. */
export function kubeletCredentialsFor(response: KubeletResponse, image: string): { key: string; username: string; password: string }[] {
  const auth = response.auth ?? {};
  return keyringLookup(Object.keys(auth), image).map((key) => ({ key, ...(auth[key] as { username: string; password: string }) }));
}

/** The username of the first credential the kubelet tries for an image from this auth map, or null. */
export function kubeletChoice(auth: Record<string, { username: string; password: string }>, image: string): string | null {
  const [key] = keyringLookup(Object.keys(auth), image);
  return key === undefined ? null : (auth[key]?.username ?? null);
}

/**
 * The kubelet's cache keys for an image, in the order getCachedCredentials tries them: the image,
 * its registry, the global slot.
 */
function cacheKeys(image: string): Record<KubeletResponse["cacheKeyType"], string> {
  return { Image: image, Registry: image.split("/")[0] as string, Global: "<global>" };
}

/** Where the kubelet caches an answer for an image, and for how long; null: not cached. */
export function kubeletCacheEntry(
  response: KubeletResponse,
  image: string,
  providerConfig: { defaultCacheDuration: string },
): { key: string; nanos: bigint } | null {
  const duration = response.cacheDuration ?? providerConfig.defaultCacheDuration;
  const nanos = parseGoDuration(duration) ?? 0n;
  if (nanos <= 0n) return null; // "0s" is not cached; a negative expiry is already past
  const key = cacheKeys(image)[response.cacheKeyType];
  return { key, nanos };
}

/** The pod's service account as the kubelet knows it in service-account token mode. */
export interface PodServiceAccount {
  namespace: string;
  name: string;
  uid: string;
  token: string;
  annotations: Record<string, string>;
}

/**
 * A kubelet pulling images one after another through one provider, with the kubelet's cache
 * (getCachedCredentials: the image, then its registry, then the global slot). Time does not pass.
 * `provider(image, serviceAccount)` runs the provider and returns its stdout. With
 * `tokenAttributes` (service-account token mode, plugin.go), every cache key also holds the
 * service account (namespace, name, UID, annotations; with cacheType Token the token too), and an
 * answer whose password is the token is dropped unless cacheType is Token.
 */
export class KubeletCache {
  private readonly entries = new Map<string, KubeletResponse>();
  readonly calls: string[] = [];

  constructor(
    private readonly provider: (image: string, serviceAccount?: PodServiceAccount) => string,
    private readonly config: {
      apiVersion: string;
      defaultCacheDuration: string;
      tokenAttributes?: { cacheType: "ServiceAccount" | "Token" };
    } = { apiVersion: "credentialprovider.kubelet.k8s.io/v1", defaultCacheDuration: "5m" },
  ) {}

  /** The username the kubelet pulls `image` with (its first credential), or null for none. */
  pull(image: string, serviceAccount?: PodServiceAccount): string | null {
    const sa = this.serviceAccountKey(serviceAccount);
    const cached = Object.values(cacheKeys(image)).map((key) => this.entries.get(`${key}|${sa}`)).find(Boolean);
    let response = cached;
    if (response === undefined) {
      this.calls.push(image);
      response = kubeletDecode(this.provider(image, serviceAccount), this.config.apiVersion);
      const token = serviceAccount?.token;
      const echoed = token !== undefined && Object.values(response.auth ?? {}).some((entry) => entry.password === token);
      if (echoed && this.config.tokenAttributes?.cacheType !== "Token") return null; // "…not allowed when service account cache type is not set to 'Token'"
      const entry = kubeletCacheEntry(response, image, this.config);
      if (entry !== null) this.entries.set(`${entry.key}|${sa}`, response);
    }
    return kubeletCredentialsFor(response, image)[0]?.username ?? null;
  }

  private serviceAccountKey(serviceAccount: PodServiceAccount | undefined): string {
    if (this.config.tokenAttributes === undefined || serviceAccount === undefined) return "";
    const { namespace, name, uid, annotations, token } = serviceAccount;
    const key = JSON.stringify([namespace, name, uid, Object.entries(annotations).sort()]);
    return this.config.tokenAttributes.cacheType === "Token" ? `${key}|${token}` : key;
  }
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
