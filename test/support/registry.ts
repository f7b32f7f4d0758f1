// A real registry for tests: Debian's docker-registry (distribution 2.8) with htpasswd (bcrypt)
// authentication on 127.0.0.1, on a port the kernel picks. Ready when it logs "listening on":
// the test reads that line from its output instead of polling or sleeping.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  dir: string;
  stop(): void;
}

export async function startRegistry(username: string, password: string): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "gcp-registry-"));
  const htpasswd = Bun.spawnSync(["htpasswd", "-Bbn", username, password]);
  if (htpasswd.exitCode !== 0) throw new Error("htpasswd failed (apache2-utils is installed by .ci/run)");
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
  const child = Bun.spawn(["docker-registry", "serve", join(dir, "config.yml")], {
    stdout: "ignore",
    stderr: "pipe",
    env: { PATH: "/usr/bin:/bin" },
  });
  const reader = child.stderr.getReader();
  let log = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`docker-registry exited before listening:\n${log}`);
    log += new TextDecoder().decode(value);
    const listening = /listening on (127\.0\.0\.1:\d+)/.exec(log);
    if (listening) {
      reader.releaseLock();
      // Keep draining its log so that it never blocks on a full pipe.
      void child.stderr.pipeTo(new WritableStream()).catch(() => {});
      return { host: listening[1] as string, dir, stop: () => child.kill("SIGKILL") };
    }
  }
}

/** Logs in with skopeo (containers/image), which writes the auth file the way podman does. */
export function skopeoLogin(registry: Registry, username: string, password: string, authFile: string): void {
  const result = Bun.spawnSync(
    ["skopeo", "login", "--tls-verify=false", "--authfile", authFile, "--username", username, "--password-stdin", registry.host],
    { stdin: Buffer.from(password), env: { PATH: "/usr/bin:/bin", HOME: registry.dir }, stderr: "pipe", stdout: "pipe" },
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
