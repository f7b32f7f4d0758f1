// podman and skopeo (containers/image) as a node's users run them: `podman login` and
// `skopeo login` writing their default files, and a probe of which stored account skopeo pulls
// with. Their configuration is our own temp files (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF,
// CONTAINERS_REGISTRIES_CONF), podman's state is in a temp directory (--root, --runroot, vfs), and
// every run gets an explicit environment. Run them under PrivateMounts' `wrap` when they may
// write /run/containers (root without XDG_RUNTIME_DIR).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Registry } from "./registry.ts";
import { requireTool } from "./processes.ts";

const PATH = "/usr/bin:/bin";

export interface ContainersTools {
  /** Variables every podman and skopeo run gets: PATH, TMPDIR and their configuration files. */
  env: Record<string, string>;
  /** `podman login` into the registry; `env` says where it writes (HOME, XDG_RUNTIME_DIR, …). */
  podmanLogin(registry: Registry, username: string, password: string, env: Record<string, string>): void;
  /** `skopeo login` into the registry, to its default file for `env`. */
  skopeoLogin(registry: Registry, username: string, password: string, env: Record<string, string>): void;
  /**
   * The account skopeo pulls `registry/repository` with, from the credentials stored where `env`
   * points, as the registry saw it; null when the registry refused it (401) or it sent none.
   */
  skopeoAccount(registry: Registry, repository: string, env: Record<string, string>): Promise<string | null>;
}

/**
 * podman's and skopeo's configuration as files of our own in `etc` (containers.conf from
 * `containersConf`, vfs storage under `state`, no search registries and no short names: nothing
 * else in /etc/containers is needed); the variables that point them there, and TMPDIR.
 */
export function containersConfiguration(etc: string, state: string, containersConf: string[]): Record<string, string> {
  mkdirSync(etc, { recursive: true });
  mkdirSync(join(state, "tmp"), { recursive: true });
  writeFileSync(join(etc, "containers.conf"), `${containersConf.join("\n")}\n`);
  writeFileSync(join(etc, "storage.conf"), `[storage]\ndriver = "vfs"\ngraphroot = "${state}/root"\nrunroot = "${state}/run"\n`);
  writeFileSync(join(etc, "registries.conf"), 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n');
  return {
    TMPDIR: join(state, "tmp"),
    CONTAINERS_CONF: join(etc, "containers.conf"),
    CONTAINERS_STORAGE_CONF: join(etc, "storage.conf"),
    CONTAINERS_REGISTRIES_CONF: join(etc, "registries.conf"),
  };
}

/** The tools, with their configuration in `dir`; `wrap` runs them (in a private mount namespace). */
export function containersTools(dir: string, wrap: string[] = []): ContainersTools {
  const etc = join(dir, "containers-etc");
  const state = join(dir, "containers-state");
  // podman 4 creates a lock in /etc/cni/net.d for any command unless its network directory is elsewhere.
  const env = { PATH, ...containersConfiguration(etc, state, [
    "[engine]",
    'events_logger = "none"',
    `tmp_dir = "${state}/libpod-tmp"`,
    `volume_path = "${state}/volumes"`,
    `static_dir = "${state}/libpod"`,
    "[network]",
    `network_config_dir = "${state}/cni"`,
  ]) };
  const run = (tool: string, args: string[], extra: Record<string, string>, stdin = "") => {
    const result = Bun.spawnSync([...wrap, requireTool(tool, PATH), ...args], {
      stdin: Buffer.from(stdin),
      env: { ...extra, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: result.exitCode ?? -1, output: result.stderr.toString() + result.stdout.toString() };
  };
  const login = (tool: string, global: string[], registry: Registry, username: string, password: string, extra: Record<string, string>) => {
    const args = [...global, "login", "--tls-verify=false", "--username", username, "--password-stdin", registry.host];
    const { code, output } = run(tool, args, extra, password);
    if (code !== 0) throw new Error(`${tool} login failed (exit ${code}): ${output}`);
  };
  return {
    env,
    podmanLogin(registry, username, password, extra) {
      login("podman", ["--root", join(state, "root"), "--runroot", join(state, "run"), "--storage-driver", "vfs"], registry, username, password, extra);
    },
    skopeoLogin(registry, username, password, extra) {
      login("skopeo", [], registry, username, password, extra);
    },
    async skopeoAccount(registry, repository, extra) {
      // A tag that does not exist: the registry answers "manifest unknown" to an authenticated
      // request and logs it with the account (a successful request is logged without it).
      const from = registry.log().length;
      const image = `docker://${registry.host}/${repository}:missing`;
      const { code, output } = run("skopeo", ["--registries.d", etc, "inspect", "--tls-verify=false", "--raw", image], extra);
      if (/unauthorized|authentication required/i.test(output)) return null;
      if (code === 0 || !output.includes("manifest unknown")) throw new Error(`skopeo inspect: unexpected result (exit ${code}): ${output}`);
      const line = new RegExp(`^(?=.*err\\.code="manifest unknown")(?=.*vars\\.name="?${repository}[" ]).*auth\\.user\\.name="?([^"\\s]+)`, "m");
      const match = await registry.waitForLog(line, from);
      return match[1] ?? null;
    },
  };
}
