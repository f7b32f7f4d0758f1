// Runs the compiled binary the way the kubelet does: request on stdin, args from the provider
// config, an explicit environment, stdout and stderr captured separately.
import { expect } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const BINARY = resolve(import.meta.dir, "../../dist/generic-credential-provider");

export interface BinaryResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the binary. Its environment is `env` (default: a PATH) plus HOME and XDG_RUNTIME_DIR in
 * its own empty temp directory, so that the docker-config backend's default list never meets the
 * real home directory (with no HOME it falls back to the password database's, /root) or the
 * node's /run/containers/<uid>/auth.json; a variable given as undefined is left unset. `wrap` is
 * a command line to run it under, such as nsenter into a private mount namespace.
 */
export function runBinary(options: {
  stdin: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  wrap?: string[];
}): BinaryResult {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "npm run build" first (npm test does)`);
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "gcp-cwd-"));
  const env = { HOME: cwd, XDG_RUNTIME_DIR: cwd, ...(options.env ?? { PATH: "/usr/bin:/bin" }) };
  const result = Bun.spawnSync([...(options.wrap ?? []), BINARY, ...(options.args ?? [])], {
    stdin: Buffer.from(options.stdin),
    env: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    cwd,
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/**
 * runBinary plus the checks every run owes: no secret on stderr, and nothing on stdout unless the
 * exit status is 0.
 */
export function runChecked(options: Parameters<typeof runBinary>[0], secrets: readonly string[]): BinaryResult {
  const result = runBinary(options);
  for (const secret of secrets) expect(result.stderr).not.toContain(secret);
  if (result.code !== 0) expect(result.stdout).toBe("");
  return result;
}

export function request(image: string, apiVersion = "credentialprovider.kubelet.k8s.io/v1"): string {
  return JSON.stringify({ apiVersion, kind: "CredentialProviderRequest", image });
}
