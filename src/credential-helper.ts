// Runs a Docker credential helper the way docker/cli does (docker-credential-helpers client.Get):
// `docker-credential-<name> get` with the server URL on stdin, answering
// {"ServerURL","Username","Secret"} on stdout. Shared by the docker-config and helper backends.
//
// Safety: the helper runs in its own process group (setsid) so that a timeout can kill it and
// everything it started; its stdout is capped; its stdout and stderr never reach any message,
// because a crashing helper may well print the secret it was about to return.
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import * as v from "valibot";
import { describeJsonError, parseJson } from "./json.ts";
import { describeIssues } from "./validation.ts";

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

// docker-credential-helpers credentials.Credentials; a JSON array is not an answer either
// (valibot's object schema would accept one).
const HelperOutput = v.pipe(
  v.unknown(),
  v.check((value) => typeof value === "object" && value !== null && !Array.isArray(value), "must be an object"),
  v.object({ ServerURL: v.optional(v.string()), Username: v.string(), Secret: v.string() }),
);

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

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) env[key] = value;

  let child: Bun.Subprocess<Uint8Array, "pipe", "ignore">;
  try {
    child = Bun.spawn([executable, "get"], {
      env,
      stdin: Buffer.from(serverUrl),
      stdout: "pipe",
      stderr: "ignore",
      detached: true, // setsid(): the helper leads its own process group, killed as a whole
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new CredentialHelperError(`${program} could not be started (${code})`);
  }

  const reader = child.stdout.getReader();
  let failure: string | null = null;
  const killGroup = (reason: string) => {
    if (failure !== null) return;
    failure = reason;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // The group is already gone.
    }
    // A process that left the group (setsid) could still hold the pipe: stop reading anyway.
    reader.cancel().catch(() => {});
  };
  const timer = setTimeout(
    () => killGroup(`did not answer within ${options.timeoutText}`),
    Math.min(Math.max(options.timeoutMs, 1), 2 ** 31 - 1),
  );

  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (failure === null) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || value === undefined) break;
      size += value.byteLength;
      if (size > MAX_HELPER_OUTPUT) killGroup(`printed more than ${MAX_HELPER_OUTPUT / 1024} KiB`);
      else chunks.push(value);
    }
    await child.exited;
  } finally {
    clearTimeout(timer);
  }
  if (failure !== null) {
    await groupGone(child.pid);
    throw new CredentialHelperError(`${program} ${failure}`);
  }

  const output = Buffer.concat(chunks).toString("utf8");
  if (child.exitCode !== 0) {
    // docker-credential-helpers client.Get: a non-zero exit whose stdout is the not-found message.
    if (output.trim() === NOT_FOUND_MESSAGE) return { kind: "not-found" };
    throw new CredentialHelperError(
      child.signalCode
        ? `${program} get was killed by ${child.signalCode}`
        : `${program} get failed with exit status ${child.exitCode}`,
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

/**
 * SIGKILL is delivered asynchronously: wait a little until no process of the group is left (nor
 * an unreaped zombie), so that a failed lookup does not return while the helper's children live.
 */
async function groupGone(pgid: number, limitMs = 1000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return; // ESRCH: the group is empty
    }
    await Bun.sleep(5);
  }
}

/**
 * exec.LookPath over the given PATH only. Empty and relative entries are skipped: Go refuses
 * results relative to the working directory (exec.ErrDot), and so do we.
 */
export function findExecutable(program: string, path: string | undefined): string | null {
  for (const dir of (path ?? "").split(":")) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, program);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here, or not executable.
    }
  }
  return null;
}
