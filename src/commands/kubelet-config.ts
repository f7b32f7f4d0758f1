// `kubelet-config`: prints the kubelet's CredentialProviderConfig for the running configuration
// (README, "kubelet-config"). `install` writes the same document: both build it with
// providerConfigFor, and both check it with the kubelet's own rules (src/core/kubelet-config.ts).
//
// Exit codes: 0 printed; 2 bad usage, or a configuration the kubelet would refuse (no
// matchImages can be derived and none was given, tokenAttributes with an apiVersion other than v1).
import { resolve } from "node:path";
import { serviceAccountIdentityReason } from "../../backends/registry.ts";
import type { Inspection } from "../../backends/types.ts";
import { globalArgs, type Options } from "../args.ts";
import { DEFAULTS } from "../core/defaults.ts";
import {
  credentialProviderConfigProblems,
  KUBELET_CONFIG_API_VERSION,
  KUBELET_CONFIG_KIND,
  TOKEN_API_VERSION,
  TOKEN_FEATURE_GATE_NOTE,
  type CredentialProvider,
  type CredentialProviderConfig,
  type ServiceAccountTokenAttributes,
} from "../core/kubelet-config.ts";
import { parseSchemelessUrl } from "../core/match.ts";
import type { ApiVersion } from "../core/protocol.ts";
import { answer, type Io } from "../io.ts";
import type { Log } from "../log.ts";
import type { Prepared } from "../setup.ts";

/** A configuration for which no valid provider config can be written (exit 2). */
export class ProviderConfigError extends Error {
  override name = "ProviderConfigError";
}

export interface ProviderConfig {
  config: CredentialProviderConfig;
  /** The one provider of `config`: ours. */
  provider: CredentialProvider;
  /** What each backend told, in chain order (install creates their directories). */
  inspections: Inspection[];
  /** For the operator, on stderr: what the derived matchImages miss, placeholders to fill in. */
  notes: string[];
}

function hasPort(pattern: string): boolean {
  const parsed = parseSchemelessUrl(pattern);
  return parsed.ok && parsed.url.port !== "";
}

/** The value written for a credential variable: never its value, which the operator puts there. */
export function envPlaceholder(name: string): string {
  return `<the value of ${name}>`;
}

/**
 * The provider config for this configuration. `configPath` is the --config path the provider's
 * args are to name (install's host path); without it, --config as given, made absolute. Throws
 * ProviderConfigError.
 */
export async function providerConfigFor(
  { settings, backends }: Prepared,
  options: Options,
  configPath: string | undefined = options.config,
): Promise<ProviderConfig> {
  const notes: string[] = [];
  const inspections = await Promise.all(backends.map((backend) => backend.inspect()));
  const apiVersion = (options.apiVersion ?? DEFAULTS.providerApiVersion) as ApiVersion;

  let matchImages = options.matchImages;
  if (matchImages === undefined) {
    const derived = new Set<string>();
    inspections.forEach(({ registries }, i) => {
      const name = backends[i]?.name;
      if (registries === "unknown") {
        notes.push(`backend "${name}" cannot tell which registries it has credentials for: its images are not in the derived matchImages (add them with --match-image)`);
      } else for (const pattern of registries) derived.add(pattern);
    });
    if (derived.size === 0) {
      throw new ProviderConfigError(
        "no matchImages can be derived from the configuration (no backend names a registry it has credentials for): give --match-image PATTERN, repeated for several",
      );
    }
    matchImages = [...derived];
    if (matchImages.some((pattern) => !hasPort(pattern))) {
      notes.push("a matchImages pattern without a port never matches an image with one (registry.example.org does not match registry.example.org:5000/app): add --match-image HOST:PORT for those");
    }
  }

  const variables = [...new Set(inspections.flatMap((inspection) => inspection.credentialVariables))].sort();
  if (variables.length > 0) {
    notes.push(`env has placeholders for ${variables.join(", ")}: put each value in place of its placeholder, and keep the file readable by root only (chmod 0600)`);
  }

  const provider: CredentialProvider = {
    name: options.name ?? DEFAULTS.providerName,
    matchImages,
    defaultCacheDuration: settings.defaultCacheDuration ?? DEFAULTS.kubeletDefaultCacheDuration,
    apiVersion,
  };
  const args = globalArgs(options, configPath === undefined ? {} : { config: resolve(configPath) });
  if (args.length > 0) provider.args = args;
  if (variables.length > 0) provider.env = variables.map((name) => ({ name, value: envPlaceholder(name) }));

  const why = serviceAccountIdentityReason(settings.backends);
  if (why !== null) {
    if (apiVersion !== TOKEN_API_VERSION) {
      throw new ProviderConfigError(
        `the provider needs tokenAttributes (${why}), which the kubelet accepts only with apiVersion ${TOKEN_API_VERSION}: leave out --api-version or give that one`,
      );
    }
    provider.tokenAttributes = tokenAttributes(settings, inspections);
  }

  const config: CredentialProviderConfig = { apiVersion: KUBELET_CONFIG_API_VERSION, kind: KUBELET_CONFIG_KIND, providers: [provider] };
  const problems = credentialProviderConfigProblems(config);
  if (problems.length > 0) throw new ProviderConfigError(`the kubelet would refuse this provider config: ${problems.join("; ")}`);
  return { config, provider, inspections, notes };
}

/**
 * What the kubelet must send for our scoped and token backends: the pod's service-account token
 * for our audience; caching per service account, or per token when a token backend answers with
 * the token itself (the kubelet drops such an answer otherwise); pods without a service account
 * still asked (the unscoped backends serve them); the annotations the config chooses by.
 */
function tokenAttributes(settings: Prepared["settings"], inspections: Inspection[]): ServiceAccountTokenAttributes {
  const annotations = [
    ...new Set(settings.backends.map((spec) => spec.options.annotation).filter((key): key is string => typeof key === "string")),
  ].sort();
  return {
    serviceAccountTokenAudience: settings.serviceAccountTokenAudience,
    cacheType: inspections.some((inspection) => inspection.usesToken) ? "Token" : "ServiceAccount",
    requireServiceAccount: false,
    ...(annotations.length > 0 ? { optionalServiceAccountAnnotationKeys: annotations } : {}),
  };
}

/** The provider config as a JSON file's content (what install writes). */
export function providerConfigJson(config: CredentialProviderConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The provider config as a file's content: JSON, or YAML with the feature gate as a comment. */
export async function formatProviderConfig(config: CredentialProviderConfig, format: "json" | "yaml"): Promise<string> {
  if (format === "json") return providerConfigJson(config);
  // Loaded only here: the kubelet plugin, which starts for every pull, never evaluates it.
  const { Document } = await import("yaml");
  const document = new Document(config);
  if (config.providers.some((provider) => provider.tokenAttributes !== undefined)) document.commentBefore = ` ${TOKEN_FEATURE_GATE_NOTE}`;
  return document.toString({ lineWidth: 0 });
}

export async function kubeletConfig(io: Io, log: Log, prepared: Prepared, options: Options): Promise<number> {
  let result: ProviderConfig;
  try {
    result = await providerConfigFor(prepared, options);
  } catch (error) {
    if (!(error instanceof ProviderConfigError)) throw error;
    log.error(error.message);
    return 2;
  }
  const format = options.format ?? "json";
  for (const note of result.notes) log.note(note);
  // In JSON there is no place for a comment: the feature gate goes to stderr.
  if (format === "json" && result.provider.tokenAttributes !== undefined) log.note(TOKEN_FEATURE_GATE_NOTE);
  return answer(io, log, await formatProviderConfig(result.config, format));
}
