// Runs the compiled binary the way the kubelet does: request on stdin, args from the provider
// config, an explicit environment, stdout and stderr captured separately.
//
// runChecked is the one canary check of the suite: every binary test passes the secrets its
// sources hold, and each run is checked for them everywhere a secret must never appear: stderr,
// stdout when the run failed, every syslog line (a real listener is attached to every run), and
// the argv of every child it started (fake helpers and providers log theirs, test/support/files.ts).
import { expect } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ARGV_LOG_VARIABLE } from "./files.ts";
import { SyslogListener } from "./syslog-listener.ts";

export const BINARY = resolve(import.meta.dir, "../../dist/generic-credential-provider");

export interface BinaryResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BinaryRun {
  stdin: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** A command line to run it under, such as nsenter into a private mount namespace. */
  wrap?: string[];
}

/**
 * Runs the binary. Its environment is `env` (default: a PATH) plus HOME and XDG_RUNTIME_DIR in
 * its own empty temp directory, so that the docker-config backend's default list never meets the
 * real home directory (with no HOME it falls back to the password database's, /root) or the
 * node's /run/containers/<uid>/auth.json; a variable given as undefined is left unset.
 */
export function runBinary(options: BinaryRun): BinaryResult {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "npm run build" first (npm test does)`);
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "gcp-cwd-"));
  const env = { HOME: cwd, XDG_RUNTIME_DIR: cwd, ...(options.env ?? { PATH: "/usr/bin:/bin" }) };
  try {
    const result = Bun.spawnSync([...(options.wrap ?? []), BINARY, ...(options.args ?? [])], {
      stdin: Buffer.from(options.stdin),
      env: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      cwd,
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
  } finally {
    if (options.cwd === undefined) rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * runBinary with a syslog listener (its socket given last, so it wins over any other
 * --syslog-socket) and the canary checks above. Returns the syslog lines too.
 */
export function runChecked(options: BinaryRun, secrets: readonly string[], { reportOnFailure = false } = {}): BinaryResult & { syslog: string[]; childArgv: string[] } {
  expect(secrets.length).toBeGreaterThan(0); // a binary test without a canary proves nothing about leaks
  const dir = mkdtempSync(join(tmpdir(), "gcp-canary-"));
  const listener = new SyslogListener(dir);
  const argvLog = join(dir, "argv.log");
  try {
    const result = runBinary({
      ...options,
      args: [...(options.args ?? []), "--syslog-socket", listener.path],
      env: { PATH: "/usr/bin:/bin", ...options.env, [ARGV_LOG_VARIABLE]: argvLog },
    });
    const syslog = listener.drain();
    const childArgv = existsSync(argvLog) ? readFileSync(argvLog, "utf8").split("\n").filter(Boolean) : [];
    for (const secret of secrets) {
      expect(result.stderr).not.toContain(secret);
      for (const line of [...syslog, ...childArgv]) expect(line).not.toContain(secret);
    }
    // The plugin prints nothing on failure; an operator command prints its report whatever it finds.
    if (result.code !== 0 && !reportOnFailure) expect(result.stdout).toBe("");
    return { ...result, syslog, childArgv };
  } finally {
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the pod's service account adds to a request in the kubelet's service-account token mode. */
export interface RequestServiceAccount {
  serviceAccountToken?: string;
  serviceAccountAnnotations?: Record<string, string>;
}

/** A CredentialProviderRequest as the kubelet writes it. */
export function request(image: string, apiVersion = "credentialprovider.kubelet.k8s.io/v1", serviceAccount: RequestServiceAccount = {}): string {
  return JSON.stringify({ apiVersion, kind: "CredentialProviderRequest", image, ...serviceAccount });
}
