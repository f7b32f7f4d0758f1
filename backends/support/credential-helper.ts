// Runs a Docker credential helper the way docker/cli does (docker-credential-helpers client.Get):
// `docker-credential-<name> get` with the server URL on stdin, answering
// {"ServerURL","Username","Secret"} on stdout. Shared by the docker-config and helper backends,
// which call askCredentialHelper: the helper's answer as a credential or a miss.
//
// Safety: runChild gives the helper a process group of its own, killed whole at the timeout, and
// caps its stdout; its stdout and stderr never reach any message, because a crashing helper may
// well print the secret it was about to return.
import * as v from "valibot";
import type { Deadline } from "../../src/core/deadline.ts";
import { DEFAULTS } from "../../src/core/defaults.ts";
import { durationMs } from "../../src/core/duration.ts";
import { DOCKER_HUB_HOSTS, DOCKER_HUB_SERVER_URL } from "../../src/core/image.ts";
import type { Credential } from "../../src/core/protocol.ts";
import { jsonObject, lazySchema, parseJsonAs } from "../../src/core/validation.ts";
import { BackendError, type BackendContext, type Problem } from "../types.ts";
import { ChildProcessError, findExecutable, runChild } from "./child-process.ts";

/** docker-credential-helpers credentials.ErrCredentialsNotFound, printed on stdout with exit 1. */
export const NOT_FOUND_MESSAGE = "credentials not found in native keychain";

// What a helper name may be: it becomes part of an executable's name, never a path.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export type HelperAnswer =
  | { kind: "found"; username: string; secret: string }
  | { kind: "not-found" }
  /** Username "<token>": Secret is an identity token, which the kubelet cannot use. */
  | { kind: "identity-token" };

/** The helper is missing, crashed, hung or answered junk. The message never holds its output. */
export class CredentialHelperError extends Error {
  override name = "CredentialHelperError";
}

// docker-credential-helpers credentials.Credentials
const HelperOutput = lazySchema(() =>
  jsonObject(v.object({ ServerURL: v.optional(v.string()), Username: v.string(), Secret: v.string() })),
);

export function isValidHelperName(helper: string): boolean {
  return HELPER_NAME.test(helper);
}

/** The server URL docker/cli sends for a registry: the Hub's v1 URL, else lower-case host[:port]. */
export function helperServerUrl(target: { lookupHost: string }): string {
  return helperServerUrls(target)[0] as string;
}

/**
 * The server URLs a registry's credentials may be stored under in a helper, in the order they are
 * asked: host[:port] for any registry but Docker Hub; for Docker Hub, docker/cli's key first
 * (registry.IndexServer, "https://index.docker.io/v1/": cli/config/configfile/file.go
 * GetCredentialsStore, cli/command/registry.go ResolveAuthConfig), then containers/image's
 * ("docker.io", the first component of the reference: pkg/docker/config/config.go
 * getCredentialsWithHomeDir), which is what podman login and skopeo login store.
 */
export function helperServerUrls(target: { lookupHost: string }): string[] {
  return DOCKER_HUB_HOSTS.has(target.lookupHost) ? [DOCKER_HUB_SERVER_URL, "docker.io"] : [target.lookupHost];
}

export interface RunHelperOptions {
  /** The helper's whole environment (it needs PATH, HOME, GNUPGHOME, D-Bus variables…). */
  env: Readonly<Record<string, string>>;
  /** The time limit, a Go duration ("10s"). */
  timeout: string;
  deadline: Deadline;
  /**
   * How messages name the helper. Default: by its name ("helper pass", "docker-credential-pass"),
   * for a name from our own configuration. A name read from a docker config file is not ours to
   * print: the caller passes "helper" and says where the name came from in `describe`.
   */
  label?: string;
}

/**
 * Asks a helper for a server URL, as a backend does: the credential, or null when the helper has
 * none. An identity token (which the kubelet cannot use) is a miss with a warning; a helper that
 * is missing, fails or answers junk is a BackendError whose message starts with `describe`.
 */
export async function askCredentialHelper(
  helper: string,
  serverUrl: string,
  options: { context: BackendContext; timeout: string; describe?: string; label?: string },
): Promise<Credential | null> {
  const { context } = options;
  const prefix = options.describe ? `${options.describe}: ` : "";
  const label = options.label ?? `helper ${helper}`;
  context.debug(`${prefix}asking ${label} for ${serverUrl}`);
  let answer;
  try {
    answer = await runCredentialHelper(helper, serverUrl, {
      env: context.childEnv,
      timeout: options.timeout,
      deadline: context.deadline,
      ...(options.label === undefined ? {} : { label: options.label }),
    });
  } catch (error) {
    if (!(error instanceof CredentialHelperError)) throw error;
    throw new BackendError(prefix + error.message);
  }
  if (answer.kind === "identity-token") {
    context.warn(`${prefix}${label} holds an identity token for ${serverUrl}, which the kubelet cannot use; skipped`);
    return null;
  }
  if (answer.kind === "not-found") {
    context.debug(`${prefix}${label} has no credentials for ${serverUrl}`);
    return null;
  }
  return { username: answer.username, password: answer.secret };
}

export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  options: RunHelperOptions,
): Promise<HelperAnswer> {
  if (!isValidHelperName(helper)) {
    throw new CredentialHelperError(
      "invalid credential helper name: it must be letters, digits, '.', '_' or '-', not a path",
    );
  }
  const program = `docker-credential-${helper}`;
  const label = options.label ?? program;
  const executable = findExecutable(program, options.env.PATH);
  if (executable === null) throw new CredentialHelperError(`${label} not found on PATH`);

  let result;
  try {
    result = await runChild([executable, "get"], {
      env: options.env,
      stdin: serverUrl,
      timeoutMs: durationMs(options.timeout),
      timeoutText: options.timeout,
      deadline: options.deadline,
      maxOutputBytes: DEFAULTS.helperMaxOutputBytes,
      stderr: "ignore", // a failing helper may print the secret it was about to return
    });
  } catch (error) {
    if (error instanceof ChildProcessError) throw new CredentialHelperError(`${label} ${error.message}`);
    throw error;
  }
  const { stdout: output, exitCode, signalCode } = result;
  if (exitCode !== 0) {
    // docker-credential-helpers client.Get: a non-zero exit whose stdout is the not-found message.
    if (output.trim() === NOT_FOUND_MESSAGE) return { kind: "not-found" };
    throw new CredentialHelperError(
      signalCode
        ? `${label} get was killed by ${signalCode}`
        : `${label} get failed with exit status ${exitCode}`,
    );
  }
  const { Username: username, Secret: secret } = parseJsonAs(
    HelperOutput(),
    output,
    (problem) => new CredentialHelperError(`${label} get printed an unexpected answer: ${problem}`),
    { external: true },
  );
  // Some helpers (pass, secretservice) answer exit 0 with empty fields instead of not-found.
  if (username === "" && secret === "") return { kind: "not-found" };
  // docker/cli credentials/native_store.go: Username "<token>" marks an identity token.
  if (username === "<token>") return { kind: "identity-token" };
  return { kind: "found", username, secret };
}

/**
 * For `check`: the helper must be on PATH and executable. `nameIt`: the name comes from our own
 * config and may be printed; a name from a docker config file is not (`describe` says where it is).
 */
export function helperProblems(helper: string, path: string | undefined, describe = `helper ${helper}`, nameIt = true): Problem[] {
  if (findExecutable(`docker-credential-${helper}`, path) !== null) return [];
  const program = nameIt ? `docker-credential-${helper}` : "its docker-credential- program";
  return [{ severity: "error", message: `${describe}: ${program} is not on PATH or not executable`, fix: "install it, or add its directory to PATH in the kubelet's provider env" }];
}
