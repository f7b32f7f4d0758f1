// A private mount namespace for tests that need the real tools' fixed paths without touching the
// node's: `podman login` and `skopeo login` as root without XDG_RUNTIME_DIR write
// /run/containers/0/auth.json, and with no HOME the binary reads root's home from the password
// database, /root. Inside the namespace /run and /root are temp directories (bind mounts), and
// /etc/containers is an empty one, so podman and skopeo read only the configuration a test gives
// them. The mounts never propagate to the node (unshare --propagation private). Commands join the
// namespace through nsenter; the namespace ends when stop() ends the process that holds it.
// Needs root, as the tests run in CI.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool } from "./processes.ts";

const PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

export interface PrivateMounts {
  /** The temp directory holding what the namespace sees as /run ("run") and /root ("root"). */
  dir: string;
  /** Where the namespace's `path` (under /run or /root) is, seen from outside it. */
  outside(path: string): string;
  /** A command line prefix that runs a command inside the namespace. */
  wrap: string[];
  /** Ends the process holding the namespace and removes the directory. */
  stop(): Promise<void>;
}

/** `also`: more directories to hide behind empty temp ones, when they exist (podman's /var/lib/containers, /var/tmp). */
export async function startPrivateMounts(also: string[] = []): Promise<PrivateMounts> {
  const dir = mkdtempSync(join(tmpdir(), "gcp-mounts-"));
  const binds: [string, string][] = [
    [join(dir, "run"), "/run"],
    [join(dir, "root"), "/root"],
  ];
  // Only over directories that exist: nothing is created on the node.
  for (const target of ["/etc/containers", ...also]) {
    if (existsSync(target)) binds.push([join(dir, target.slice(1).replaceAll("/", "-")), target]);
  }
  for (const [source] of binds) mkdirSync(source, { mode: 0o755 });
  // The holder: mounts, says so, then waits on its stdin (no sleep), and exits when it closes.
  const script = 'set -e; while [ $# -gt 0 ]; do mount --bind "$1" "$2"; shift 2; done; echo ready; exec cat';
  const holder = Bun.spawn(
    [requireTool("unshare", PATH), "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", ...binds.flat()],
    { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { PATH } },
  );
  let said = "";
  const decoder = new TextDecoder();
  for await (const chunk of holder.stdout) {
    said += decoder.decode(chunk, { stream: true });
    if (said.includes("\n")) break;
  }
  if (said !== "ready\n") {
    holder.kill("SIGKILL");
    await holder.exited;
    const stderr = await new Response(holder.stderr).text();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not make a private mount namespace (root and CAP_SYS_ADMIN are needed): ${stderr}`);
  }
  const nsenter = requireTool("nsenter", PATH);
  return {
    dir,
    outside(path) {
      for (const [source, target] of binds) {
        if (path === target || path.startsWith(`${target}/`)) return source + path.slice(target.length);
      }
      throw new Error(`${path} is not under a private mount`);
    },
    wrap: [nsenter, `--target=${holder.pid}`, "--mount", "--"],
    async stop() {
      holder.stdin.end();
      await holder.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
