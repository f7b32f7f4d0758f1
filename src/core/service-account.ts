// The pod's service account, as the kubelet (1.33+, KEP-4412) tells it to a credential provider: a
// bound service-account token (a JWT the API server signed) and some of the account's
// annotations. Who the pod runs as is taken from the token's claims only
// (pkg/serviceaccount/claims.go: "kubernetes.io": {namespace, serviceaccount: {name, uid}, pod},
// sub "system:serviceaccount:<namespace>:<name>"). The signature is not checked: the token comes
// from the kubelet on our stdin, not from the pod. The token is a credential: nothing here ever
// puts it, or any part of it, into a message.
import * as v from "valibot";
import { decodeUtf8 } from "./files.ts";
import { jsonObject, parseJsonAs } from "./validation.ts";

export interface ServiceAccountIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** The token is not a service-account JWT. The message says what is wrong, never what it holds. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

// Kubernetes names: a namespace is a DNS label, a service account a DNS subdomain (RFC 1123).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDnsLabel(text: string): boolean {
  return DNS_LABEL.test(text);
}

const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * An annotation key as the API server and the kubelet check it: apimachinery's IsQualifiedName of
 * the key in lower case (ValidateAnnotations; the kubelet's validateServiceAccountAnnotationKeys in
 * pkg/credentialprovider/plugin/config.go): an optional DNS-subdomain prefix and "/", then a name
 * of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
 */
export function isAnnotationKey(key: string): boolean {
  const parts = key.toLowerCase().split("/");
  if (parts.length > 2) return false;
  if (parts.length === 2 && !DNS_SUBDOMAIN.test(parts[0] as string)) return false;
  const name = parts.at(-1) as string;
  return name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

const Claims = jsonObject(
  v.object({
    sub: v.optional(v.string()),
    "kubernetes.io": jsonObject(
      v.object({
        namespace: v.pipe(v.string(), v.regex(DNS_LABEL, "must be a namespace name")),
        serviceaccount: jsonObject(
          v.object({
            name: v.pipe(v.string(), v.regex(DNS_SUBDOMAIN, "must be a service account name")),
            uid: v.optional(v.string(), ""),
          }),
        ),
      }),
    ),
  }),
);

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The identity in a bound service-account token's claims. Throws InvalidTokenError. */
export function serviceAccountOf(token: string): ServiceAccountIdentity {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    throw new InvalidTokenError("is not a JWT (three base64url parts separated by '.')");
  }
  let payload: string;
  try {
    payload = decodeUtf8(Buffer.from(parts[1] as string, "base64url"), "its payload");
  } catch {
    throw new InvalidTokenError("has a payload that is not UTF-8");
  }
  const claims = parseJsonAs(Claims, payload, (problem) => new InvalidTokenError(`has claims that are not a service account's: ${problem}`), {
    external: true,
  });
  const { namespace, serviceaccount } = claims["kubernetes.io"];
  if (claims.sub !== undefined && claims.sub !== `system:serviceaccount:${namespace}:${serviceaccount.name}`) {
    throw new InvalidTokenError('has a "sub" claim that does not name its service account');
  }
  return { namespace, name: serviceaccount.name, uid: serviceaccount.uid };
}

/** A `serviceAccounts` pattern: "namespace/name", either part "*" for all. */
export const ServiceAccountPattern = v.pipe(
  v.string(),
  v.check((pattern) => {
    const [namespace, name, ...rest] = pattern.split("/");
    return (
      rest.length === 0 &&
      namespace !== undefined &&
      name !== undefined &&
      (namespace === "*" || DNS_LABEL.test(namespace)) &&
      (name === "*" || DNS_SUBDOMAIN.test(name))
    );
  }, 'must be "namespace/name", each a Kubernetes name or "*"'),
);

export function matchesServiceAccount(patterns: readonly string[], identity: ServiceAccountIdentity): boolean {
  return patterns.some((pattern) => {
    const [namespace, name] = pattern.split("/");
    return (namespace === "*" || namespace === identity.namespace) && (name === "*" || name === identity.name);
  });
}
