// The kubelet's CredentialProviderConfig, the file its --image-credential-provider-config names:
// the types (staging/src/k8s.io/kubelet/config/v1/types.go, decoded strictly: an unknown field or
// a wrong type is an error), the validation the kubelet runs on it at start-up
// (pkg/credentialprovider/plugin/config.go, validateCredentialProviderConfig), and the feature
// gate that tokenAttributes need (pkg/features/kube_features.go). The commands that write one
// (kubelet-config, install) check what they write here, and the tests check what they print.
import * as v from "valibot";
import { parseGoDuration } from "./duration.ts";
import { parseSchemelessUrl } from "./match.ts";
import { API_VERSIONS, type ApiVersion } from "./protocol.ts";
import { isAnnotationKey } from "./service-account.ts";
import { describeIssues } from "./validation.ts";

/** The config file's own versions; only v1 has tokenAttributes (an unknown field in the others). */
export const KUBELET_CONFIG_API_VERSIONS = ["kubelet.config.k8s.io/v1", "kubelet.config.k8s.io/v1beta1", "kubelet.config.k8s.io/v1alpha1"] as const;
export const KUBELET_CONFIG_API_VERSION = "kubelet.config.k8s.io/v1";
export const KUBELET_CONFIG_KIND = "CredentialProviderConfig";
/** The provider API version tokenAttributes require (credentialproviderv1.SchemeGroupVersion). */
export const TOKEN_API_VERSION: ApiVersion = "credentialprovider.kubelet.k8s.io/v1";
export const TOKEN_CACHE_TYPES = ["ServiceAccount", "Token"] as const;
export type TokenCacheType = (typeof TOKEN_CACHE_TYPES)[number];

/**
 * KubeletServiceAccountTokenForCredentialProviders (pkg/features/kube_features.go): alpha and off
 * by default in 1.33, beta and on by default from 1.34. With it off the kubelet refuses a
 * provider with tokenAttributes ("tokenAttributes is not supported when … is disabled").
 */
export const TOKEN_FEATURE_GATE = "KubeletServiceAccountTokenForCredentialProviders";
export const TOKEN_FEATURE_GATE_NOTE =
  `tokenAttributes need the kubelet feature gate ${TOKEN_FEATURE_GATE}: alpha and off by default in ` +
  `Kubernetes 1.33 (add --feature-gates=${TOKEN_FEATURE_GATE}=true to the kubelet's flags), beta and on ` +
  "by default from 1.34.";

export interface ExecEnvVar {
  name: string;
  value: string;
}

export interface ServiceAccountTokenAttributes {
  serviceAccountTokenAudience: string;
  cacheType: TokenCacheType;
  requireServiceAccount: boolean;
  requiredServiceAccountAnnotationKeys?: string[];
  optionalServiceAccountAnnotationKeys?: string[];
}

/** One entry of `providers`, its fields in the order of types.go. */
export interface CredentialProvider {
  name: string;
  matchImages: string[];
  defaultCacheDuration: string;
  apiVersion: ApiVersion;
  args?: string[];
  env?: ExecEnvVar[];
  tokenAttributes?: ServiceAccountTokenAttributes;
}

export interface CredentialProviderConfig {
  apiVersion: (typeof KUBELET_CONFIG_API_VERSIONS)[number];
  kind: typeof KUBELET_CONFIG_KIND;
  providers: CredentialProvider[];
}

// The strict decoder's view: the fields of types.go and their JSON types, nothing else. Whether a
// required field is there is the validation's business below, as in the kubelet.
const strings = v.array(v.string());
const TokenAttributesSchema = v.strictObject({
  serviceAccountTokenAudience: v.optional(v.string()),
  cacheType: v.optional(v.string()),
  requireServiceAccount: v.optional(v.boolean()),
  requiredServiceAccountAnnotationKeys: v.optional(strings),
  optionalServiceAccountAnnotationKeys: v.optional(strings),
});
const ProviderSchema = v.strictObject({
  name: v.optional(v.string()),
  matchImages: v.optional(strings),
  // metav1.Duration: a string that time.ParseDuration takes, or the decoder fails.
  defaultCacheDuration: v.optional(v.pipe(v.string(), v.check((text) => parseGoDuration(text) !== null, 'is not a Go duration (like "5m")'))),
  apiVersion: v.optional(v.string()),
  args: v.optional(strings),
  env: v.optional(v.array(v.strictObject({ name: v.string(), value: v.string() }))),
  tokenAttributes: v.optional(TokenAttributesSchema),
});
const ConfigSchema = v.strictObject({
  apiVersion: v.picklist(KUBELET_CONFIG_API_VERSIONS),
  kind: v.literal(KUBELET_CONFIG_KIND),
  providers: v.optional(v.array(ProviderSchema)),
});

/**
 * Every reason the kubelet would refuse this provider configuration at start-up, empty when it
 * accepts it: the strict decoding of the file, then validateCredentialProviderConfig, rule by
 * rule. `tokenFeatureGate` is the kubelet's KubeletServiceAccountTokenForCredentialProviders.
 * Messages name fields and our own patterns and names; an env value is never shown.
 */
export function credentialProviderConfigProblems(config: unknown, { tokenFeatureGate = true } = {}): string[] {
  if (config === null || typeof config !== "object" || Array.isArray(config)) return ["the document must be an object"];
  const parsed = v.safeParse(ConfigSchema, config);
  if (!parsed.success) return [describeIssues(parsed.issues)];
  const { apiVersion: configVersion, providers = [] } = parsed.output;
  const problems: string[] = [];
  if (providers.length === 0) problems.push('field "providers": at least 1 item in plugins is required');
  const seen = new Set<string>();
  providers.forEach((provider, i) => {
    const field = (name: string) => `field "providers.${i}.${name}"`;
    const name = provider.name ?? "";
    // The name is the binary's file name in the bin dir (plugin.go runs binDir/name).
    if (name === "") problems.push(`${field("name")} is required`);
    if (name.includes("/")) problems.push(`${field("name")}: provider name cannot contain '/'`);
    if (name.includes(" ")) problems.push(`${field("name")}: provider name cannot contain spaces`);
    if (name === "." || name === "..") problems.push(`${field("name")}: provider name cannot be '${name}'`);
    if (seen.has(name)) problems.push(`${field("name")}: duplicate value "${name}"`);
    seen.add(name);

    if (!provider.apiVersion) problems.push(`${field("apiVersion")} is required`);
    else if (!(API_VERSIONS as readonly string[]).includes(provider.apiVersion)) {
      problems.push(`${field("apiVersion")}: unsupported value: must be one of ${API_VERSIONS.join(", ")}`);
    }

    const matchImages = provider.matchImages ?? [];
    if (matchImages.length === 0) problems.push(`${field("matchImages")}: at least 1 item in matchImages is required`);
    matchImages.forEach((pattern, j) => {
      const url = parseSchemelessUrl(pattern);
      if (!url.ok) problems.push(`${field(`matchImages.${j}`)}: match image is invalid: ${url.error}`);
    });

    if (provider.defaultCacheDuration === undefined) problems.push(`${field("defaultCacheDuration")} is required`);
    else if ((parseGoDuration(provider.defaultCacheDuration) ?? 0n) < 0n) {
      problems.push(`${field("defaultCacheDuration")} must be greater than or equal to 0`);
    }

    const token = provider.tokenAttributes;
    if (token === undefined) return;
    const tokenField = (name: string) => field(`tokenAttributes.${name}`);
    if (configVersion !== KUBELET_CONFIG_API_VERSION) {
      problems.push(`${field("tokenAttributes")}: unknown field (only ${KUBELET_CONFIG_API_VERSION} has it)`);
    }
    if (!tokenFeatureGate) problems.push(`${field("tokenAttributes")}: not supported when the ${TOKEN_FEATURE_GATE} feature gate is disabled`);
    if (!token.serviceAccountTokenAudience) problems.push(`${tokenField("serviceAccountTokenAudience")} is required`);
    if (token.requireServiceAccount === undefined) problems.push(`${tokenField("requireServiceAccount")} is required`);
    if (provider.apiVersion !== TOKEN_API_VERSION) {
      problems.push(`${field("tokenAttributes")}: tokenAttributes is only supported for ${TOKEN_API_VERSION} API version`);
    }
    const required = token.requiredServiceAccountAnnotationKeys ?? [];
    const optional = token.optionalServiceAccountAnnotationKeys ?? [];
    if (token.requireServiceAccount === false && required.length > 0) {
      problems.push(`${tokenField("requiredServiceAccountAnnotationKeys")}: requireServiceAccount cannot be false when requiredServiceAccountAnnotationKeys is set`);
    }
    for (const [list, keys] of [["requiredServiceAccountAnnotationKeys", required], ["optionalServiceAccountAnnotationKeys", optional]] as const) {
      keys.forEach((key, j) => {
        if (!isAnnotationKey(key)) problems.push(`${tokenField(`${list}.${j}`)} is not a qualified name (an annotation key such as example.org/name)`);
        if (keys.indexOf(key) !== j) problems.push(`${tokenField(`${list}.${j}`)}: duplicate value "${key}"`);
      });
    }
    if (required.some((key) => optional.includes(key))) problems.push(`${field("tokenAttributes")}: annotation keys cannot be both required and optional`);
    if (token.cacheType === undefined || token.cacheType === "") {
      problems.push(`${tokenField("cacheType")}: cacheType is required to be set when tokenAttributes is specified. Supported values are: ${TOKEN_CACHE_TYPES.join(", ")}`);
    } else if (!(TOKEN_CACHE_TYPES as readonly string[]).includes(token.cacheType)) {
      problems.push(`${tokenField("cacheType")}: unsupported value: must be one of ${TOKEN_CACHE_TYPES.join(", ")}`);
    }
  });
  return problems;
}
