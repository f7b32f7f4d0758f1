// `env` backend: credentials in environment variables (the kubelet passes the `env:` entries of its
// provider config to us). Found by domain suffix like the files: for "registry.example.org:5000"
// the keys are REGISTRY_EXAMPLE_ORG_5000, REGISTRY_EXAMPLE_ORG, EXAMPLE_ORG, ORG, each read as
// <prefix><key>_USERNAME, _PASSWORD and the optional _DURATION. The most specific key set wins.
import * as v from "valibot";
import { formatGoDuration, parseGoDuration } from "../src/duration.ts";
import { hostCandidates } from "../src/image.ts";
import { parseOptions } from "./options.ts";
import { BackendError, type Backend, type BackendFactory } from "./types.ts";

export const DEFAULT_ENV_PREFIX = "CREDENTIAL_PROVIDER_";

const EnvOptions = v.strictObject({
  prefix: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]+$/, "must be letters, digits and underscores")),
    DEFAULT_ENV_PREFIX,
  ),
});

/** "registry.example.org:5000" -> "REGISTRY_EXAMPLE_ORG_5000": anything but A-Z and 0-9 becomes "_". */
export function envKey(candidate: string): string {
  return candidate.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

export const createEnvBackend: BackendFactory = (name, options, context): Backend => {
  const { prefix } = parseOptions(name, EnvOptions, options);
  return {
    name,
    async lookup(target) {
      for (const candidate of hostCandidates(target)) {
        const base = prefix + envKey(candidate);
        const username = context.env[`${base}_USERNAME`];
        const password = context.env[`${base}_PASSWORD`];
        // Either one set makes the key count; an empty or missing one is "", as the kubelet allows.
        if (username === undefined && password === undefined) {
          context.debug(`${name}: neither ${base}_USERNAME nor ${base}_PASSWORD is set`);
          continue;
        }
        context.debug(`${name}: using ${base}_USERNAME and ${base}_PASSWORD`);
        return {
          auth: { [target.host]: { username: username ?? "", password: password ?? "" } },
          source: `${name} ${base}`,
          cacheDuration: readDuration(`${base}_DURATION`, context.env),
          cacheKeyType: "Registry",
        };
      }
      return null;
    },
  };
};

/** The variable as a canonical Go duration, undefined when unset. Errors name the variable only. */
function readDuration(variable: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const text = env[variable];
  if (text === undefined) return undefined;
  const nanos = parseGoDuration(text);
  if (nanos === null) throw new BackendError(`${variable} is not a Go duration (like "5m0s" or "1h30m")`);
  if (nanos < 0n) throw new BackendError(`${variable} must not be negative`);
  return formatGoDuration(nanos);
}
