// `env` backend: credentials in environment variables (the kubelet passes the `env:` entries of its
// provider config to us). Found by domain suffix like the files: for "registry.example.org:5000"
// the keys are REGISTRY_EXAMPLE_ORG_5000, REGISTRY_EXAMPLE_ORG, EXAMPLE_ORG, ORG, each read as
// <prefix><key>_USERNAME, _PASSWORD and the optional _DURATION. The most specific key set wins.
import * as v from "valibot";
import { DEFAULTS } from "../src/core/defaults.ts";
import { goDuration } from "../src/core/validation.ts";
import { annotationOption, annotationScope } from "./support/annotation.ts";
import { isCredentialVariable } from "./support/env-variables.ts";
import { hostCandidates } from "./support/host-candidates.ts";
import { parseOptions } from "./support/options.ts";
import { BackendError, inspection, type BackendFactory, type Problem } from "./types.ts";

export const EnvOptions = v.strictObject({
  prefix: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]+$/, "must be letters, digits and underscores")),
    DEFAULTS.envPrefix,
  ),
  /** A service-account annotation whose value, as a key, follows the prefix: <prefix><VALUE>__<KEY>_USERNAME. */
  annotation: annotationOption,
});

/** "registry.example.org:5000" -> "REGISTRY_EXAMPLE_ORG_5000": anything but A-Z and 0-9 becomes "_". */
export function envKey(candidate: string): string {
  return candidate.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

const Duration = goDuration("non-negative");

export const createEnvBackend: BackendFactory = (options, context) => {
  const { prefix: basePrefix, annotation } = parseOptions(EnvOptions, options);
  return {
    async lookup(target) {
      const scope = annotationScope(annotation, target, context);
      if (scope === null) return null;
      const prefix = scope === undefined ? basePrefix : `${basePrefix}${envKey(scope)}__`;
      // The annotation's value comes from the service account: messages show where it goes.
      const shownPrefix = scope === undefined ? basePrefix : `${basePrefix}<${annotation}>__`;
      for (const candidate of hostCandidates(target)) {
        const key = envKey(candidate);
        const base = prefix + key;
        const shown = shownPrefix + key;
        const username = context.env[`${base}_USERNAME`];
        const password = context.env[`${base}_PASSWORD`];
        // Either one set makes the key count; an empty or missing one is "", as the kubelet allows.
        if (username === undefined && password === undefined) {
          context.debug(`neither ${shown}_USERNAME nor ${shown}_PASSWORD is set`);
          continue;
        }
        context.debug(`using ${shown}_USERNAME and ${shown}_PASSWORD`);
        return {
          auth: { [target.host]: { username: username ?? "", password: password ?? "" } },
          source: shown,
          cacheDuration: readDuration(`${base}_DURATION`, shown, context.env),
        };
      }
      return null;
    },

    async inspect() {
      // Variable names lose the dots and dashes of a host name: the registries cannot be told.
      const names = Object.keys(context.env).filter((name) => isCredentialVariable(name, basePrefix));
      const problems: Problem[] = [];
      for (const name of names.filter((n) => n.endsWith("_DURATION"))) {
        try {
          readDuration(name, name.slice(0, -"_DURATION".length), context.env);
        } catch (error) {
          problems.push({ severity: "error", message: (error as Error).message });
        }
      }
      return inspection({ registries: "unknown", problems, credentialVariables: names.sort() });
    },
  };
};

/** The variable as a canonical Go duration, undefined when unset. Errors name the variable (as shown) only. */
function readDuration(variable: string, shown: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const text = env[variable];
  if (text === undefined) return undefined;
  const parsed = v.safeParse(Duration, text);
  if (!parsed.success) throw new BackendError(`${shown}_DURATION ${parsed.issues[0]?.message}`);
  return parsed.output;
}
