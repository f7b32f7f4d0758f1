// `exec` backend: any other kubelet credential provider as a member of our chain. We run it the
// way the kubelet does (pkg/credentialprovider/plugin/plugin.go): only for images its matchImages
// cover, request JSON on stdin, our environment plus its `env`, one strict response on stdout whose
// apiVersion must be the one we sent. Its stderr goes straight to ours. Its stdout may hold
// passwords, so no message here ever quotes it.
import { accessSync, constants, statSync } from "node:fs";
import { basename, isAbsolute } from "node:path";
import * as v from "valibot";
import { DEFAULTS } from "../src/core/defaults.ts";
import { durationMs, formatGoDuration, parseGoDuration } from "../src/core/duration.ts";
import { API_VERSIONS, parseResponse, type ApiVersion } from "../src/core/protocol.ts";
import { ChildProcessError, findExecutable, runChild } from "./support/child-process.ts";
import { checkTimeout, parseOptions, timeoutOption } from "./support/options.ts";
import { checkMatchImages, matchImagePattern } from "./support/match-images.ts";
import { BackendError, inspection, type BackendFactory, type Hit, type LookupTarget, type Problem } from "./types.ts";

const V1: ApiVersion = "credentialprovider.kubelet.k8s.io/v1";

const noNul = v.check((text: string) => !text.includes("\0"), "must not contain a NUL character");

export const ExecOptions = v.strictObject({
  command: v.pipe(
    v.string(),
    v.nonEmpty("must not be empty"),
    noNul,
    v.check((c) => isAbsolute(c) || !c.includes("/"), "must be an absolute path or a command name without '/'"),
  ),
  args: v.optional(v.array(v.pipe(v.string(), noNul)), []),
  env: v.optional(
    v.record(
      v.pipe(v.string(), v.regex(/^[^=\0]+$/, "must be a variable name (no '=' or NUL)")),
      v.pipe(v.string(), noNul),
    ),
    {},
  ),
  apiVersion: v.optional(v.picklist(API_VERSIONS), DEFAULTS.execApiVersion),
  // The kubelet requires matchImages in its own config; here leaving it out means every image.
  matchImages: v.optional(
    v.pipe(
      v.array(matchImagePattern),
      v.nonEmpty("must not be empty (leave it out to match every image)"),
    ),
  ),
  timeout: timeoutOption,
  maxOutputBytes: v.optional(
    v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be at least 1")),
    DEFAULTS.execMaxOutputBytes,
  ),
});

export const createExecBackend: BackendFactory = (options, context) => {
  const config = parseOptions(ExecOptions, options);
  checkTimeout("timeout", config.timeout, context.deadline);
  const { command, apiVersion, matchImages } = config;
  const timeoutText = config.timeout;
  const timeoutMs = durationMs(config.timeout);

  /** The provider's environment: the children's, with its own `env` on top (a copy only then). */
  const envForChild = () => (Object.keys(config.env).length === 0 ? context.childEnv : { ...context.childEnv, ...config.env });
  /** The provider's path: `command` as given, or found on the PATH it runs with. */
  const executableIn = (env: Readonly<Record<string, string>>) => (isAbsolute(command) ? command : findExecutable(command, env.PATH));

  /** Runs the provider once; returns its stdout, or throws if it failed in any way. */
  async function run(target: LookupTarget): Promise<string> {
    const { image } = target;
    const childEnv = envForChild();
    const executable = executableIn(childEnv);
    if (executable === null) throw new BackendError(`${command} not found on PATH`);
    context.debug(`running ${executable} for ${image}`);
    let result;
    try {
      result = await runChild([executable, ...config.args], {
        env: childEnv,
        stdin: requestFor(target, apiVersion),
        timeoutMs,
        timeoutText,
        maxOutputBytes: config.maxOutputBytes,
        deadline: context.deadline,
        // The kubelet shows a provider's stderr, and so do we, but through us: a child that outlived
        // us must never hold the kubelet's pipe open.
        stderr: { prefix: "", maxBytes: DEFAULTS.execMaxStderrBytes, write: (line) => context.passStderr(line.replace(/\n$/, "")) },
      });
    } catch (error) {
      if (error instanceof ChildProcessError) throw new BackendError(`${command} ${error.message}`);
      throw error;
    }
    if (result.signalCode !== null) throw new BackendError(`${command} was killed by ${result.signalCode}`);
    if (result.exitCode !== 0) throw new BackendError(`${command} exited with status ${result.exitCode}`);
    return result.stdout;
  }

  return {
    async lookup(target) {
      // The kubelet runs a provider only when one of its matchImages patterns matches the image.
      const { matches, partial, miss } = checkMatchImages(matchImages, target.image, context);
      if (!matches) return miss;
      if (apiVersion !== V1 && target.serviceAccount.serviceAccountToken) {
        context.debug(`${command} is asked in ${apiVersion}, which cannot carry the request's service account token; it is not sent`);
      }
      const response = checkResponse(command, apiVersion, await run(target));
      // Whether the kubelet would use any of its keys for the image is the chain's rule (src/chain.ts).
      const auth = response.auth ?? {};
      context.debug(`${command} answered with ${Object.keys(auth).length} auth keys, cacheKeyType ${response.cacheKeyType}`);
      const hit: Hit = { auth, source: basename(command), cacheKeyType: response.cacheKeyType, partial };
      if (response.cacheDuration !== undefined) {
        // The kubelet caches a negative duration with an expiry in the past: the same as "0s".
        const nanos = parseGoDuration(response.cacheDuration) ?? 0n;
        hit.cacheDuration = formatGoDuration(nanos < 0n ? 0n : nanos);
      }
      return hit;
    },

    async inspect() {
      const executable = executableIn(envForChild());
      const problems: Problem[] = [];
      if (executable === null) {
        problems.push({ severity: "error", message: `${command} is not on PATH`, fix: "give its absolute path as command, or add its directory to PATH" });
      } else {
        try {
          accessSync(executable, constants.X_OK);
          if (!statSync(executable).isFile()) throw new Error("not a file");
        } catch {
          problems.push({ severity: "error", message: `${executable} is not an executable file`, fix: `chmod 0755 ${executable}` });
        }
      }
      // Without matchImages the provider is asked for every image: what it answers for is its business.
      return inspection({ registries: matchImages ?? "unknown", problems });
    },
  };
};

/**
 * The request as the kubelet writes it (plugin.go encodeRequest): kind, apiVersion, image, and in
 * v1 the service-account fields when they are set. v1alpha1 and v1beta1 cannot carry them.
 */
function requestFor(target: LookupTarget, apiVersion: ApiVersion): string {
  const { serviceAccountToken, serviceAccountAnnotations } = target.serviceAccount;
  const request: Record<string, unknown> = { kind: "CredentialProviderRequest", apiVersion, image: target.image };
  if (apiVersion !== V1) return `${JSON.stringify(request)}\n`;
  if (serviceAccountToken) request.serviceAccountToken = serviceAccountToken;
  if (serviceAccountAnnotations && Object.keys(serviceAccountAnnotations).length > 0) {
    request.serviceAccountAnnotations = Object.fromEntries(Object.entries(serviceAccountAnnotations).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  return `${JSON.stringify(request)}\n`;
}

/** The provider's stdout as the kubelet's strict decoder reads it. Messages never quote it. */
function checkResponse(command: string, sentVersion: string, text: string) {
  if (text.trim() === "") throw new BackendError(`${command} printed nothing on stdout`);
  const response = parseResponse(text, (problem) => new BackendError(`${command} printed an invalid response: ${problem}`));
  // The kubelet discards a response whose apiVersion is not the request's.
  if (response.apiVersion !== sentVersion) {
    throw new BackendError(`${command} answered with apiVersion ${response.apiVersion}, but was asked in ${sentVersion}`);
  }
  return response;
}
