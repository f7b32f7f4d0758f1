// Bound service-account tokens as the API server issues them (pkg/serviceaccount/claims.go), for
// tests: RS256 JWTs signed with a throwaway key, with the claims a kubelet-requested token has.
import { createSign, generateKeyPairSync, randomUUID } from "node:crypto";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

const b64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

export interface TokenFor {
  namespace: string;
  name: string;
  uid?: string;
  pod?: string;
  audience?: string;
}

/** A signed JWT for the pod's service account, as the kubelet sends it in serviceAccountToken. */
export function serviceAccountToken({ namespace, name, uid = randomUUID(), pod = `${name}-pod`, audience = "generic-credential-provider" }: TokenFor): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ alg: "RS256", kid: "test-key" });
  const payload = b64url({
    aud: audience, // one audience: go-jose writes a plain string
    exp: now + 3600,
    iat: now,
    iss: "https://kubernetes.default.svc.cluster.local",
    jti: randomUUID(),
    nbf: now,
    sub: `system:serviceaccount:${namespace}:${name}`,
    "kubernetes.io": {
      namespace,
      node: { name: "node-1", uid: randomUUID() },
      pod: { name: pod, uid: randomUUID() },
      serviceaccount: { name, uid },
    },
  });
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

/** A JWT-shaped token with any payload (for malformed-claims cases). */
export function tokenWithPayload(payload: unknown): string {
  return `${b64url({ alg: "RS256" })}.${b64url(payload)}.${b64url("not-a-real-signature")}`;
}
