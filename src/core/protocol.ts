// The kubelet's credential provider protocol (k8s.io/kubelet/pkg/apis/credentialprovider and
// pkg/credentialprovider/plugin/plugin.go): its types, the request we accept and the response we
// print. Backends import these types; this module imports nothing of theirs.
import * as v from "valibot";
import { isJsonObject } from "./json.ts";
import { checkAs, goDuration, jsonObject, lazySchema, parseJsonAs } from "./validation.ts";

export const API_VERSIONS = [
  "credentialprovider.kubelet.k8s.io/v1alpha1",
  "credentialprovider.kubelet.k8s.io/v1beta1",
  "credentialprovider.kubelet.k8s.io/v1",
] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export const CACHE_KEY_TYPES = ["Image", "Registry", "Global"] as const;
export type CacheKeyType = (typeof CACHE_KEY_TYPES)[number];

/** One entry of a response's `auth` map: all the kubelet decodes of it. */
export interface Credential {
  username: string;
  password: string;
}

// Unknown fields are allowed and dropped here, so nothing downstream can log them. The
// service-account fields (kubelet 1.33+, v1 only) are kept for backends that forward them; the
// token is a credential: it goes to a chained provider's stdin and nowhere else.
const Request = lazySchema(() =>
  v.object({
    apiVersion: v.picklist(API_VERSIONS),
    kind: v.literal("CredentialProviderRequest"),
    image: v.pipe(v.string(), v.nonEmpty("must not be empty")),
    serviceAccountToken: v.optional(v.string()),
    serviceAccountAnnotations: v.optional(jsonObject(v.record(v.string(), v.string()))),
  }),
);

export type CredentialProviderRequest = v.InferOutput<ReturnType<typeof Request>>;

/** The request's service-account fields, as a chained provider is sent them. */
export interface ServiceAccountFields {
  serviceAccountToken?: string;
  serviceAccountAnnotations?: Record<string, string>;
}

export class BadRequestError extends Error {
  override name = "BadRequestError";
}

/** Parses stdin; checks kind and apiVersion before the image so the message says what is wrong. */
export function parseRequest(text: string): CredentialProviderRequest {
  const json = parseJsonAs(v.unknown(), text, (problem) => new BadRequestError(`request is not JSON: ${problem}`));
  if (!isJsonObject(json)) throw new BadRequestError("request must be a JSON object");
  if (json.kind !== "CredentialProviderRequest") {
    throw new BadRequestError('request kind must be "CredentialProviderRequest"');
  }
  if (!API_VERSIONS.includes(json.apiVersion as ApiVersion)) {
    throw new BadRequestError(`unsupported request apiVersion: expected one of ${API_VERSIONS.join(", ")}`);
  }
  if (json.image === undefined) throw new BadRequestError('request has no "image"');
  return checkAs(Request(), json, (problem) => new BadRequestError(`request ${problem}`), { external: true });
}

/**
 * The response, with exactly the kubelet's fields in its own order. Without a cacheDuration the
 * field is left out, and the kubelet caches for its provider config's defaultCacheDuration.
 */
export function formatResponse(response: {
  apiVersion: ApiVersion;
  cacheKeyType: CacheKeyType;
  cacheDuration?: string | undefined;
  auth: Record<string, Credential>;
}): string {
  const auth: Record<string, Credential> = {};
  for (const [key, { username, password }] of Object.entries(response.auth)) {
    auth[key] = { username, password }; // copy only the two fields the kubelet decodes
  }
  return `${JSON.stringify({
    apiVersion: response.apiVersion,
    kind: "CredentialProviderResponse",
    cacheKeyType: response.cacheKeyType,
    cacheDuration: response.cacheDuration,
    auth,
  })}\n`;
}

/**
 * A response as the kubelet decodes it (strictly, since 1.32): no unknown fields, cacheKeyType
 * required, cacheDuration a Go duration string, auth entries holding only username and password.
 * Go's decoder reads JSON null into a pointer, map or string as "absent": null is accepted for
 * cacheDuration, auth, an auth entry (an empty credential), username and password
 * (sigs.k8s.io/json literalStore), and nowhere else. Used to check answers from other providers
 * and, in tests, our own.
 */
const ResponseSchema = lazySchema(() => {
  const AuthEntry = v.pipe(
    v.nullable(jsonObject(v.strictObject({ username: v.nullish(v.string(), ""), password: v.nullish(v.string(), "") }))),
    v.transform((entry): Credential => entry ?? { username: "", password: "" }),
  );
  return jsonObject(
    v.strictObject({
      apiVersion: v.picklist(API_VERSIONS),
      kind: v.literal("CredentialProviderResponse"),
      cacheKeyType: v.picklist(CACHE_KEY_TYPES),
      cacheDuration: v.pipe(v.nullish(goDuration()), v.transform((duration) => duration ?? undefined)),
      auth: v.pipe(v.nullish(jsonObject(v.record(v.string(), AuthEntry))), v.transform((auth) => auth ?? undefined)),
    }),
  );
});

/** A provider's response as the kubelet decodes it. */
export type ParsedResponse = v.InferOutput<ReturnType<typeof ResponseSchema>>;

/** Parses a provider's stdout as the kubelet's strict decoder would (repeated keys rejected too). */
export function parseResponse(text: string, fail: (problem: string) => Error): ParsedResponse {
  return parseJsonAs(ResponseSchema(), text, fail, { rejectDuplicateKeys: true, external: true });
}
