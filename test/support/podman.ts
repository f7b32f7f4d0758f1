// podman running containers in a test: its configuration and state in a temp directory, and every
// command run in a private mount namespace (test/support/private-mounts.ts) where /run (runc's
// state), /root, /etc/containers, /var/lib/containers (the blob cache of containers/image) and
// /var/tmp are empty temp directories, so nothing of the node's is read or written.
//
// What a sandbox without systemd or a network needs (each was hit): runc, as crun refuses hybrid
// cgroups; cgroupfs; no network namespace setup (netns "none": otherwise root podman creates a CNI
// bridge and iptables chains on the host); ulimits within the sandbox's hard limits (podman's
// default nofile 1048576 fails with "error setting rlimit"); vfs storage; an events log in a file
// (without events podman waits 20 s for each container's exit). And no static_dir setting: with one
// in a temp directory podman 4.3 also waits those 20 s.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containersConfiguration } from "./containers-tools.ts";
import { requireTool } from "./processes.ts";
import { startPrivateMounts, type PrivateMounts } from "./private-mounts.ts";

const PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

export interface Podman {
  /** The temp directory holding podman's configuration and state. */
  dir: string;
  /** A signature policy accepting anything, for `load` and `pull` (--signature-policy). */
  policy: string;
  /** Runs `podman ARGS` to its end. */
  run(args: string[], stdin?: string): { code: number; stdout: string; stderr: string };
  /** Starts `podman ARGS` with stdout and stderr piped, for a container that keeps running. */
  spawn(args: string[]): ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
  /** Ends the namespace and removes the directory (containers must have ended). */
  stop(): Promise<void>;
}

export async function startPodman(): Promise<Podman> {
  const dir = mkdtempSync(join(tmpdir(), "gcp-podman-"));
  let mounts: PrivateMounts | undefined;
  try {
    mounts = await startPrivateMounts(["/var/lib/containers", "/var/tmp"]);
    const etc = join(dir, "etc");
    const state = join(dir, "state");
    const env = {
      PATH,
      ...containersConfiguration(etc, state, [
        "[containers]",
        'netns = "none"',
        'log_driver = "k8s-file"',
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        "[engine]",
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = "${state}/events.log"`,
        'runtime = "runc"',
        `tmp_dir = "${state}/libpod-tmp"`,
        "[network]",
        `network_config_dir = "${state}/cni"`,
      ]),
      HOME: join(state, "home"),
    };
    const policy = join(etc, "policy.json");
    writeFileSync(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
    const podman = requireTool("podman", PATH);
    requireTool("runc", PATH);
    const wrap = mounts.wrap;
    const privateMounts = mounts;
    return {
      dir,
      policy,
      run(args, stdin = "") {
        const result = Bun.spawnSync([...wrap, podman, ...args], { stdin: Buffer.from(stdin), stdout: "pipe", stderr: "pipe", env });
        return { code: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
      },
      spawn(args) {
        return Bun.spawn([...wrap, podman, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env });
      },
      async stop() {
        await privateMounts.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await mounts?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
