// Runs a Docker credential helper the way docker/cli does (docker-credential-helpers client.Get):
// `docker-credential-<name> get` with the server URL on stdin, answering
// {"ServerURL","Username","Secret"} on stdout. Shared by the docker-config and helper backends.
//
// Safety: runChild gives the helper a process group of its own, killed whole at the timeout, and
// caps its stdout; its stdout and stderr never reach any message, because a crashing helper may
// well print the secret it was about to return.
import * as v from "valibot";
import { ChildProcessError, findExecutable, runChild } from "./child-process.ts";
import { describeJsonError, parseJson } from "./json.ts";
import { describeIssues, jsonObject } from "./validation.ts";

/** The key Docker Hub credentials are stored under (docker/cli registry.IndexServer). */
export const DOCKER_HUB_SERVER_URL = "https://index.docker.io/v1/";
/** Host names that all mean Docker Hub (containers/image normalizeRegistry, docker/cli). */
export const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
/** docker-credential-helpers credentials.ErrCredentialsNotFound, printed on stdout with exit 1. */
export const NOT_FOUND_MESSAGE = "credentials not found in native keychain";
export const MAX_HELPER_OUTPUT = 64 * 1024;

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
const HelperOutput = jsonObject(v.object({ ServerURL: v.optional(v.string()), Username: v.string(), Secret: v.string() }));

export function isValidHelperName(helper: string): boolean {
  return HELPER_NAME.test(helper);
}

/** The server URL docker/cli sends for a registry: the Hub's v1 URL, else lower-case host[:port]. */
export function helperServerUrl(target: { lookupHost: string }): string {
  return DOCKER_HUB_HOSTS.has(target.lookupHost) ? DOCKER_HUB_SERVER_URL : target.lookupHost;
}

export interface RunHelperOptions {
  /** The helper's whole environment (it needs PATH, HOME, GNUPGHOME, D-Bus variables…). */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  /** How the timeout reads in messages ("10s"). */
  timeoutText: string;
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
  const executable = findExecutable(program, options.env.PATH);
  if (executable === null) throw new CredentialHelperError(`${program} not found on PATH`);

  let result;
  try {
    result = await runChild([executable, "get"], {
      env: options.env,
      stdin: serverUrl,
      timeoutMs: options.timeoutMs,
      timeoutText: options.timeoutText,
      maxOutputBytes: MAX_HELPER_OUTPUT,
      stderr: "ignore", // a failing helper may print the secret it was about to return
    });
  } catch (error) {
    if (error instanceof ChildProcessError) throw new CredentialHelperError(`${program} ${error.message}`);
    throw error;
  }
  const { stdout: output, exitCode, signalCode } = result;
  if (exitCode !== 0) {
    // docker-credential-helpers client.Get: a non-zero exit whose stdout is the not-found message.
    if (output.trim() === NOT_FOUND_MESSAGE) return { kind: "not-found" };
    throw new CredentialHelperError(
      signalCode
        ? `${program} get was killed by ${signalCode}`
        : `${program} get failed with exit status ${exitCode}`,
    );
  }
  const json = parseJson(output);
  if (!json.ok) throw new CredentialHelperError(`${program} get printed ${describeJsonError(json)}`);
  const parsed = v.safeParse(HelperOutput, json.value);
  if (!parsed.success) {
    throw new CredentialHelperError(`${program} get printed an unexpected answer: ${describeIssues(parsed.issues)}`);
  }
  const { Username: username, Secret: secret } = parsed.output;
  // Some helpers (pass, secretservice) answer exit 0 with empty fields instead of not-found.
  if (username === "" && secret === "") return { kind: "not-found" };
  // docker/cli credentials/native_store.go: Username "<token>" marks an identity token.
  if (username === "<token>") return { kind: "identity-token" };
  return { kind: "found", username, secret };
}
