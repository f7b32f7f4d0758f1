// A real registry for tests: Debian's docker-registry (distribution 2.8) with htpasswd (bcrypt)
// authentication on 127.0.0.1, on a port the kernel picks, over plain HTTP or over TLS with a
// test CA. Ready when it logs "listening on": the test reads that line from its output instead of
// polling or sleeping. skopeo (containers/image) logs in to it and pushes to it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OciImage } from "./oci-image.ts";
import { requireTool, startAndWaitFor } from "./processes.ts";
import type { TestTls } from "./tls.ts";

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT" */
  url: string;
  dir: string;
  /** The CA its certificate is signed by, when it serves TLS. */
  tls?: TestTls;
  pid: number;
  /** Its log so far; all of it after stop(). */
  log(): string;
  /** The first match of `pattern` in its log from offset `from` on, once it is written. */
  waitForLog(pattern: RegExp, from?: number): Promise<RegExpExecArray>;
  /** Kills it, waits for it to exit, and removes its directory. */
  stop(): Promise<void>;
}

const PATH = "/usr/bin:/bin";

/** A registry that accepts `username` with `password`, and the accounts of `options.accounts` (user -> password). */
export async function startRegistry(
  username: string,
  password: string,
  options: { tls?: TestTls; accounts?: Record<string, string> } = {},
): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "gcp-registry-"));
  try {
    return await startRegistryIn(dir, { [username]: password, ...options.accounts }, options.tls);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startRegistryIn(dir: string, accounts: Record<string, string>, tls: TestTls | undefined): Promise<Registry> {
  const lines = Object.entries(accounts).map(([username, password]) => {
    const htpasswd = Bun.spawnSync([requireTool("htpasswd", PATH), "-Bbn", username, password], { env: { PATH } });
    if (htpasswd.exitCode !== 0) throw new Error("htpasswd failed");
    return htpasswd.stdout.toString().trim();
  });
  writeFileSync(join(dir, "htpasswd"), `${lines.join("\n")}\n`);
  mkdirSync(join(dir, "data"));
  const serverTls = tls ? `, tls: { certificate: ${tls.serverCert}, key: ${tls.serverKey} }` : "";
  writeFileSync(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: { level: info }",
      `storage: { filesystem: { rootdirectory: ${join(dir, "data")} } }`,
      `http: { addr: 127.0.0.1:0, secret: fake-test-http-secret${serverTls} }`,
      `auth: { htpasswd: { realm: test-realm, path: ${join(dir, "htpasswd")} } }`,
      "",
    ].join("\n"),
  );
  const { child, matches, log, waitForLog, ended } = await startAndWaitFor(["docker-registry", "serve", join(dir, "config.yml")], { PATH }, [
    /listening on (127\.0\.0\.1:\d+)/,
  ]);
  const host = matches[0]?.[1] as string;
  return {
    host,
    url: `${tls ? "https" : "http"}://${host}`,
    dir,
    ...(tls ? { tls } : {}),
    pid: child.pid,
    log,
    waitForLog,
    stop: async () => {
      child.kill("SIGKILL");
      await child.exited;
      await ended;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** skopeo's options for reaching the registry: its test CA over TLS, else plain HTTP. */
function skopeoTls(registry: Registry, option: "" | "dest-"): string[] {
  return registry.tls ? [`--${option}cert-dir`, registry.tls.caDir] : [`--${option}tls-verify=false`];
}

/** Runs skopeo with `home` as HOME (where it keeps its state); its stdout. */
export function skopeo(home: string, args: string[], stdin = ""): Buffer {
  const result = Bun.spawnSync([requireTool("skopeo", PATH), ...args], {
    stdin: Buffer.from(stdin),
    env: { PATH, HOME: home },
    stderr: "pipe",
    stdout: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`skopeo ${args.join(" ")} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** Logs in with skopeo (containers/image), which writes the auth file the way podman does. */
export function skopeoLogin(registry: Registry, username: string, password: string, authFile: string): void {
  skopeo(registry.dir, ["login", ...skopeoTls(registry, ""), "--authfile", authFile, "--username", username, "--password-stdin", registry.host], password);
}

/** `use` runs logged in through an auth file of its own, so the password never goes on a command line. */
function withLogin<T>(registry: Registry, username: string, password: string, use: (authFile: string) => T): T {
  const authFile = join(registry.dir, "skopeo-auth.json");
  skopeoLogin(registry, username, password, authFile);
  try {
    return use(authFile);
  } finally {
    rmSync(authFile, { force: true });
  }
}

/** `skopeo copy [options] SOURCE docker://registry/DESTINATION`. */
function copyTo(registry: Registry, authFile: string, source: string, destination: string, options: string[] = []): void {
  // skopeo copies only what a signature policy allows; this one, not /etc/containers/policy.json.
  const policy = join(registry.dir, "policy.json");
  writeFileSync(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  skopeo(registry.dir, ["copy", "--quiet", ...options, "--policy", policy, "--dest-authfile", authFile, ...skopeoTls(registry, "dest-"), source, `docker://${registry.host}/${destination}`]);
}

/** Pushes an OCI layout's image to registry/repository:tag with skopeo copy. */
export function pushImage(registry: Registry, username: string, password: string, image: OciImage, repository: string): void {
  withLogin(registry, username, password, (authFile) => copyTo(registry, authFile, `oci:${image.layout}:${image.tag}`, `${repository}:${image.tag}`));
}

/** Whether the registry accepts these credentials (GET /v2/ with basic auth). */
export async function registryAccepts(registry: Registry, username: string, password: string): Promise<boolean> {
  const response = await fetch(`${registry.url}/v2/`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` },
    ...(registry.tls ? { tls: { ca: readFileSync(registry.tls.caCert, "utf8") } } : {}),
  });
  return response.status === 200;
}

/**
 * `skopeo copy --all SOURCE docker://registry/DESTINATION` (every platform of an image index, its
 * digests kept) and then the manifest the registry serves for it, raw.
 */
export function copyAllAndFetch(registry: Registry, username: string, password: string, source: string, destination: string): Buffer {
  return withLogin(registry, username, password, (authFile) => {
    copyTo(registry, authFile, source, destination, ["--all"]);
    return skopeo(registry.dir, ["inspect", "--raw", "--authfile", authFile, ...skopeoTls(registry, ""), `docker://${registry.host}/${destination}`]);
  });
}
