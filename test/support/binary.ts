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

export function runBinary(options: {
  stdin: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}): BinaryResult {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "npm run build" first (npm test does)`);
  const result = Bun.spawnSync([BINARY, ...(options.args ?? [])], {
    stdin: Buffer.from(options.stdin),
    env: options.env ?? { PATH: "/usr/bin:/bin" },
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), "gcp-cwd-")),
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
