// A real container runtime for tests: Debian's containerd (1.6, config schema version 2) started
// as a plain process, with its root, state, socket and config in one short temp directory, and
// its CRI plugin serving the kubelet's API on that socket. Only what an image pull needs is
// loaded: no snapshotter that needs special file systems, nothing written to /opt, /run, /var or
// /etc/cni, and the host's /etc/containerd/config.toml is never read. Needs root (unpacking bind
// mounts the snapshot); a pull starts no shim.
import type { Subprocess } from "bun";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CriClient, CriError } from "./cri.ts";
import { leftoversUnder, startAndWaitFor } from "./processes.ts";

export interface Containerd {
  dir: string;
  cri: CriClient;
  pid: number;
  /** containerd's log so far; all of it after stop(). */
  log(): string;
  /**
   * Points pulls from `host` (host:port) at `server` (http:// or https://), trusting `caCert`
   * (a PEM file): a hosts.toml under the CRI registry config_path, read again on every pull.
   */
  configureRegistry(host: string, server: string, caCert?: string): void;
  /**
   * SIGTERM (SIGKILL if it has not exited 10 s later), then its exit status and what it left
   * under its directory (processes, mounts). The directory is removed when nothing is mounted there.
   */
  stop(): Promise<{ status: number | null; signal: Subprocess["signalCode"]; leftovers: ReturnType<typeof leftoversUnder> }>;
}

/** The smallest configuration with the CRI plugin: everything under `dir`. */
function config(dir: string): string {
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
# Exit at start-up (instead of running without CRI) if the CRI plugin cannot load.
required_plugins = ["io.containerd.grpc.v1.cri"]
# Not needed for pulls. Keep io.containerd.runtime.v1.linux and runtime.v2.task: CRI needs them.
disabled_plugins = [
  "io.containerd.internal.v1.opt",  # would create /opt/containerd
  "io.containerd.internal.v1.restart",
  "io.containerd.monitor.v1.cgroups",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.overlayfs",  # native works everywhere, overlay on overlay included
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "${dir}/containerd.sock"

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${dir}/cni/bin"
    conf_dir = "${dir}/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    # certs.d/<host:port>/hosts.toml; without one, a loopback registry is plain HTTP
    config_path = "${dir}/certs.d"
`;
}

export async function startContainerd(path: string): Promise<Containerd> {
  if (process.getuid?.() !== 0) throw new Error("containerd needs root to unpack images: run the tests as root, as CI does");
  // /tmp, not $TMPDIR: a unix socket's path must stay under 108 bytes.
  const dir = mkdtempSync("/tmp/gcp-ctd-");
  const configFile = join(dir, "config.toml");
  writeFileSync(configFile, config(dir));
  // "successfully booted": the socket serves. "Start streaming server": the CRI plugin is about to
  // mark itself initialized (until then its calls fail "server is not initialized yet"). The two
  // lines come in either order.
  const started = await startAndWaitFor(["containerd", "--config", configFile], { PATH: path }, [
    /containerd successfully booted/,
    /Start streaming server/,
  ]).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const { child, log, ended } = started;
  const cri = new CriClient(join(dir, "containerd.sock"));
  const stop: Containerd["stop"] = async () => {
    cri.close();
    child.kill("SIGTERM");
    const hung = setTimeout(() => child.kill("SIGKILL"), 10_000); // then the status says SIGKILL
    await child.exited;
    clearTimeout(hung);
    await ended;
    const leftovers = leftoversUnder(dir);
    if (leftovers.mounts.length === 0) rmSync(dir, { recursive: true, force: true });
    return { status: child.exitCode, signal: child.signalCode, leftovers };
  };
  try {
    // The CRI plugin sets its flag right after its log line: a retry at once covers that moment.
    for (let attempt = 1; ; attempt++) {
      try {
        await cri.version();
        break;
      } catch (error) {
        if (!(error instanceof CriError && error.details.includes("not initialized")) || attempt === 100) throw error;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dir,
    cri,
    pid: child.pid,
    log,
    configureRegistry(host, server, caCert) {
      const hostDir = join(dir, "certs.d", host);
      mkdirSync(hostDir, { recursive: true });
      const ca = caCert === undefined ? "" : `\n  ca = "${caCert}"`;
      writeFileSync(join(hostDir, "hosts.toml"), `server = "${server}"\n[host."${server}"]\n  capabilities = ["pull", "resolve"]${ca}\n`);
    },
    stop,
  };
}
