// A real registry for tests: Debian's docker-registry (distribution 2.8) with htpasswd (bcrypt)
// authentication on 127.0.0.1, on a port the kernel picks. Ready when it logs "listening on":
// the test reads that line from its output instead of polling or sleeping.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool, startAndWaitFor } from "./processes.ts";

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  dir: string;
  pid: number;
  /** Its log so far; all of it after stop(). */
  log(): string;
  /** Kills it, waits for it to exit, and removes its directory. */
  stop(): Promise<void>;
}

const PATH = "/usr/bin:/bin";

export async function startRegistry(username: string, password: string): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "gcp-registry-"));
  try {
    return await startRegistryIn(dir, username, password);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startRegistryIn(dir: string, username: string, password: string): Promise<Registry> {
  const htpasswd = Bun.spawnSync([requireTool("htpasswd", PATH), "-Bbn", username, password], { env: { PATH } });
  if (htpasswd.exitCode !== 0) throw new Error("htpasswd failed");
  writeFileSync(join(dir, "htpasswd"), htpasswd.stdout);
  mkdirSync(join(dir, "data"));
  writeFileSync(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: { level: info }",
      `storage: { filesystem: { rootdirectory: ${join(dir, "data")} } }`,
      "http: { addr: 127.0.0.1:0, secret: fake-test-http-secret }",
      `auth: { htpasswd: { realm: test-realm, path: ${join(dir, "htpasswd")} } }`,
      "",
    ].join("\n"),
  );
  const { child, matches, log, ended } = await startAndWaitFor(["docker-registry", "serve", join(dir, "config.yml")], { PATH }, [
    /listening on (127\.0\.0\.1:\d+)/,
  ]);
  return {
    host: matches[0]?.[1] as string,
    dir,
    pid: child.pid,
    log,
    stop: async () => {
      child.kill("SIGKILL");
      await child.exited;
      await ended;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Logs in with skopeo (containers/image), which writes the auth file the way podman does. */
export function skopeoLogin(registry: Registry, username: string, password: string, authFile: string): void {
  const result = Bun.spawnSync(
    [requireTool("skopeo", PATH), "login", "--tls-verify=false", "--authfile", authFile, "--username", username, "--password-stdin", registry.host],
    { stdin: Buffer.from(password), env: { PATH, HOME: registry.dir }, stderr: "pipe", stdout: "pipe" },
  );
  if (result.exitCode !== 0) throw new Error(`skopeo login failed: ${result.stderr.toString()}`);
}

/** Whether the registry accepts these credentials (GET /v2/ with basic auth). */
export async function registryAccepts(registry: Registry, username: string, password: string): Promise<boolean> {
  const response = await fetch(`http://${registry.host}/v2/`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` },
  });
  return response.status === 200;
}
