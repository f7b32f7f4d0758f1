// `helper` backend: one Docker credential helper for the images an operator names, without any
// config.json, e.g. {"helper":"ecr-login","matchImages":["*.dkr.ecr.*.amazonaws.com"]}.
// matchImages uses the kubelet's own pattern rules (src/match.ts), so a pattern means here what it
// means in the kubelet's provider config. No pattern matching = a miss, and the helper is not run.
import * as v from "valibot";
import {
  CredentialHelperError,
  helperServerUrl,
  isValidHelperName,
  runCredentialHelper,
} from "../src/credential-helper.ts";
import { durationMs } from "../src/duration.ts";
import { urlsMatch } from "../src/match.ts";
import { goDurationOption } from "../src/validation.ts";
import { parseOptions } from "./options.ts";
import { BackendError, type Backend, type BackendFactory } from "./types.ts";

const nonEmpty = v.pipe(v.string(), v.check((value) => value !== "", "must not be empty"));

const HelperOptions = v.strictObject({
  helper: v.pipe(
    v.string(),
    v.check(isValidHelperName, "must be a helper name (letters, digits, '.', '_', '-'), run as docker-credential-<name>"),
  ),
  matchImages: v.pipe(v.array(nonEmpty), v.check((list) => list.length > 0, "must list at least one pattern")),
  serverUrl: v.optional(nonEmpty),
  cacheDuration: goDurationOption("5m", { positive: false }),
  timeout: goDurationOption("10s", { positive: true }),
});

export const createHelperBackend: BackendFactory = (name, options, context): Backend => {
  const { helper, matchImages, serverUrl, cacheDuration, timeout } = parseOptions(name, HelperOptions, options);
  const helperOptions = { env: context.env, timeoutMs: durationMs(timeout), timeoutText: timeout };
  return {
    name,
    async lookup(target) {
      const image = `${target.host}/${target.path}`;
      if (!matchImages.some((pattern) => urlsMatch(pattern, image))) {
        context.debug(`${name}: no matchImages pattern matches ${image}`);
        return null;
      }
      const url = serverUrl ?? helperServerUrl(target);
      context.debug(`${name}: asking helper ${helper} for ${url}`);
      let answer;
      try {
        answer = await runCredentialHelper(helper, url, helperOptions);
      } catch (error) {
        if (error instanceof CredentialHelperError) throw new BackendError(error.message);
        throw error;
      }
      if (answer.kind === "not-found") {
        context.debug(`${name}: helper ${helper} has no credentials for ${url}`);
        return null;
      }
      if (answer.kind === "identity-token") {
        context.warn(`${name}: helper ${helper} holds an identity token for ${url}, which the kubelet cannot use; skipped`);
        return null;
      }
      return {
        auth: { [target.host]: { username: answer.username, password: answer.secret } },
        source: `${name} (helper ${helper})`,
        cacheDuration,
        cacheKeyType: "Registry",
      };
    },
  };
};
