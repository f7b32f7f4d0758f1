// `exec` backend: any other kubelet credential provider as a member of our chain. We run it the
// way the kubelet does (pkg/credentialprovider/plugin/plugin.go): only for images its matchImages
// cover, request JSON on stdin, our environment plus its `env`, one strict response on stdout whose
// apiVersion must be the one we sent. Its stderr goes straight to ours. Its stdout may hold
// passwords, so no message here ever quotes it.
import { basename, isAbsolute } from "node:path";
import * as v from "valibot";
import { ChildProcessError, findExecutable, runChild } from "../src/child-process.ts";
import { durationMs, formatGoDuration, parseGoDuration } from "../src/duration.ts";
import { describeJsonError, parseJson } from "../src/json.ts";
import { keyringKey, urlsMatch } from "../src/match.ts";
import { API_VERSIONS, ResponseSchema } from "../src/protocol.ts";
import { describeIssues, goDurationOption } from "../src/validation.ts";
import { parseOptions } from "./options.ts";
import { BackendError, type Backend, type BackendFactory, type Credential, type Hit } from "./types.ts";

export const DEFAULT_EXEC_TIMEOUT = "10s";
export const DEFAULT_EXEC_MAX_OUTPUT_BYTES = 1024 * 1024;

const noNul = v.check((text: string) => !text.includes("\0"), "must not contain a NUL character");

const ExecOptions = v.strictObject({
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
  apiVersion: v.optional(v.picklist(API_VERSIONS), "credentialprovider.kubelet.k8s.io/v1"),
  // The kubelet requires matchImages in its own config; here leaving it out means every image.
  matchImages: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.nonEmpty("must not be empty"))),
      v.nonEmpty("must not be empty (leave it out to match every image)"),
    ),
  ),
  timeout: goDurationOption(DEFAULT_EXEC_TIMEOUT, { positive: true }),
  maxOutputBytes: v.optional(
    v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be at least 1")),
    DEFAULT_EXEC_MAX_OUTPUT_BYTES,
  ),
});

export const createExecBackend: BackendFactory = (name, options, context): Backend => {
  const config = parseOptions(name, ExecOptions, options);
  const { command, apiVersion, matchImages } = config;
  const timeoutText = config.timeout;
  const timeoutMs = durationMs(config.timeout);
  const childEnv: Record<string, string | undefined> = { ...context.env, ...config.env };

  /** Runs the provider once; returns its stdout, or throws if it failed in any way. */
  async function run(image: string): Promise<string> {
    const executable = isAbsolute(command) ? command : findExecutable(command, childEnv.PATH);
    if (executable === null) throw new BackendError(`${command} not found on PATH`);
    context.debug(`${name}: running ${executable} for ${image}`);
    let result;
    try {
      result = await runChild([executable, ...config.args], {
        env: childEnv,
        stdin: JSON.stringify({ apiVersion, kind: "CredentialProviderRequest", image }),
        timeoutMs,
        timeoutText,
        maxOutputBytes: config.maxOutputBytes,
        stderr: "inherit", // the kubelet shows a provider's stderr; so do we
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
    name,
    async lookup(target) {
      // The kubelet's image string: the repository without tag or digest.
      const image = `${target.host}/${target.path}`;
      // The kubelet runs a provider only when one of its matchImages patterns matches the image.
      if (matchImages !== undefined && !matchImages.some((pattern) => urlsMatch(pattern, image))) {
        context.debug(`${name}: no matchImages pattern matches ${image}; ${command} not run`);
        return null;
      }
      const response = parseResponse(command, apiVersion, await run(image));

      const auth: Record<string, Credential> = {};
      for (const [key, { username, password }] of Object.entries(response.auth ?? {})) {
        auth[key] = { username, password };
      }
      const keys = Object.keys(auth);
      // The kubelet files each key in its keyring (scheme and /v1/ or /v2/ dropped) and uses it
      // only for images it matches (URLsMatch).
      if (!keys.some((key) => urlsMatch(keyringKey(key), image))) {
        context.debug(`${name}: none of the ${keys.length} auth keys from ${command} matches ${image}`);
        return null;
      }
      context.debug(`${name}: ${command} answered with ${keys.length} auth keys, cacheKeyType ${response.cacheKeyType}`);
      const hit: Hit = { auth, source: `${name} ${basename(command)}`, cacheKeyType: response.cacheKeyType };
      if (response.cacheDuration !== undefined) {
        // The kubelet caches a negative duration with an expiry in the past: the same as "0s".
        const nanos = parseGoDuration(response.cacheDuration) ?? 0n;
        hit.cacheDuration = formatGoDuration(nanos < 0n ? 0n : nanos);
      }
      return hit;
    },
  };
};

/** Checks the provider's stdout as the kubelet's strict decoder would. Messages never quote it. */
function parseResponse(command: string, sentVersion: string, text: string): v.InferOutput<typeof ResponseSchema> {
  if (text.trim() === "") throw new BackendError(`${command} printed nothing on stdout`);
  // The kubelet's strict decoder rejects repeated keys too.
  const json = parseJson(text, { rejectDuplicateKeys: true });
  if (!json.ok) throw new BackendError(`${command} printed an invalid response: ${describeJsonError(json)}`);
  const parsed = v.safeParse(ResponseSchema, json.value);
  if (!parsed.success) {
    throw new BackendError(`${command} printed an invalid response: ${describeIssues(parsed.issues)}`);
  }
  // The kubelet discards a response whose apiVersion is not the request's.
  if (parsed.output.apiVersion !== sentVersion) {
    throw new BackendError(
      `${command} answered with apiVersion ${parsed.output.apiVersion}, but was asked in ${sentVersion}`,
    );
  }
  return parsed.output;
}

