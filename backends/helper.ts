// `helper` backend: one Docker credential helper for the images an operator names, without any
// config.json, e.g. {"helper":"ecr-login","matchImages":["*.dkr.ecr.*.amazonaws.com"]}.
// matchImages uses the kubelet's own pattern rules (src/core/match.ts), so a pattern means here
// what it means in the kubelet's provider config. No pattern matching = a miss, and the helper is
// not run.
import * as v from "valibot";
import { askCredentialHelper, helperProblems, helperServerUrl, isValidHelperName } from "./support/credential-helper.ts";
import { checkMatchImages, requiredMatchImages } from "./support/match-images.ts";
import { cacheDurationOption, checkTimeout, nonEmptyString, parseOptions, timeoutOption } from "./support/options.ts";
import { inspection, type BackendFactory } from "./types.ts";

export const HelperOptions = v.strictObject({
  helper: v.pipe(
    v.string(),
    v.check(isValidHelperName, "must be a helper name (letters, digits, '.', '_', '-'), run as docker-credential-<name>"),
  ),
  matchImages: requiredMatchImages,
  serverUrl: v.optional(nonEmptyString),
  cacheDuration: cacheDurationOption,
  timeout: timeoutOption,
});

export const createHelperBackend: BackendFactory = (options, context) => {
  const { helper, matchImages, serverUrl, cacheDuration, timeout } = parseOptions(HelperOptions, options);
  checkTimeout("timeout", timeout, context.deadline);
  return {
    async lookup(target) {
      const { matches, partial, miss } = checkMatchImages(matchImages, target.image, context);
      if (!matches) return miss;
      const credential = await askCredentialHelper(helper, serverUrl ?? helperServerUrl(target), { timeout, context });
      if (credential === null) return miss;
      return { auth: { [target.host]: credential }, source: `(helper ${helper})`, cacheDuration, partial };
    },

    async inspect() {
      return inspection({ registries: matchImages, problems: helperProblems(helper, context.childEnv.PATH) });
    },
  };
};

