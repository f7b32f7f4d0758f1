// `token` backend: answers with the pod's own service-account token as the password, for
// registries that accept Kubernetes service-account tokens (OIDC federation), with a configured
// username. The kubelet (1.33+) sends the token only when its provider config has
// `tokenAttributes`, and it drops an answer whose password is the token unless their `cacheType`
// is `Token` (plugin.go: "returned the service account token as the password … not allowed"), so
// `kubelet-config` emits `cacheType: Token` whenever a token backend is configured.
import * as v from "valibot";
import { checkMatchImages, requiredMatchImages } from "./support/match-images.ts";
import { cacheDurationOption, nonEmptyString, parseOptions } from "./support/options.ts";
import { inspection, type BackendFactory } from "./types.ts";

export const TokenOptions = v.strictObject({
  username: nonEmptyString,
  matchImages: requiredMatchImages,
  cacheDuration: cacheDurationOption,
});

export const createTokenBackend: BackendFactory = (options, context) => {
  const { username, matchImages, cacheDuration } = parseOptions(TokenOptions, options);
  return {
    async lookup(target) {
      const { matches, partial, miss } = checkMatchImages(matchImages, target.image, context);
      if (!matches) return miss;
      const token = target.serviceAccount.serviceAccountToken;
      if (!token) {
        context.debug("the request carries no service-account token");
        return miss;
      }
      return { auth: { [target.host]: { username, password: token } }, source: "(service-account token)", cacheDuration, partial };
    },

    async inspect() {
      return inspection({ registries: matchImages, usesToken: true });
    },
  };
};
