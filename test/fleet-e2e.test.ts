// The DaemonSet of deploy/ on one node, end to end: the image (built here, amd64) run by podman
// with the pod's own arguments, mounts and security settings (read from deploy/manifests.ts), a
// temp directory standing for the host's root, and a Secret volume written as the kubelet writes
// it. The init step installs the binary and the provider config into the "host"; the sync
// container copies the Secret's credentials; the installed binary, run as the kubelet runs it
// (the provider config's args), answers with them, and with the rotated password once the Secret
// changes; SIGTERM (podman stop) ends the container with status 0.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container, Volume } from "kubernetes-types/core/v1";
import { daemonSet, HOST } from "../deploy/manifests.ts";
import { readImageRecord } from "../deploy/render.ts";
import { request } from "./support/binary.ts";
import { buildImage, IMAGE_REFERENCE } from "./support/image-build.ts";
import { startPodman, type Podman } from "./support/podman.ts";
import { followOutput } from "./support/processes.ts";
import { writeSecretVersion } from "./support/secret-volume.ts";

const PASSWORD_1 = "fake-fleet-password-1111";
const PASSWORD_2 = "fake-fleet-password-2222";
const credentials = (password: string) => ({ "registry.example.org.json": JSON.stringify({ username: "fleet-user", password }) });

let dir: string;
let host: string;
let secret: string;
let podman: Podman;

beforeAll(
  async () => {
    dir = mkdtempSync(join(tmpdir(), "gcp-fleet-"));
    host = join(dir, "host");
    secret = join(dir, "secret");
    mkdirSync(secret);
    const [image, started] = await Promise.all([buildImage(join(dir, "image"), "amd64"), startPodman()]);
    podman = started;
    const loaded = podman.run(["load", "--signature-policy", podman.policy, "-i", image.archive]);
    if (loaded.code !== 0) throw new Error(`podman load failed: ${loaded.stderr}`);
  },
  { timeout: 60_000 },
);
afterAll(async () => {
  await podman?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pod = daemonSet(readImageRecord()).spec?.template.spec;

/** podman run's options for a container of the pod: its volumes, user and restrictions. */
function podmanOptions(container: Container): string[] {
  const volumes = new Map<string, Volume>((pod?.volumes ?? []).map((volume) => [volume.name, volume]));
  const options: string[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    // hostPath DirectoryOrCreate: the kubelet creates the directory, 0755; the Secret: its volume.
    let source: string;
    if (volume?.hostPath) {
      source = join(host, volume.hostPath.path);
      mkdirSync(source, { recursive: true, mode: 0o755 });
    } else if (volume?.secret) {
      source = secret;
    } else {
      throw new Error(`volume ${mount.name} is neither a hostPath nor the Secret`);
    }
    options.push("-v", `${source}:${mount.mountPath}${mount.readOnly ? ":ro" : ""}`);
  }
  const security = container.securityContext;
  expect(security?.readOnlyRootFilesystem).toBe(true);
  expect(security?.capabilities?.drop).toEqual(["ALL"]);
  options.push("--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges");
  options.push("--user", `${security?.runAsUser}:${security?.runAsGroup}`);
  return options;
}

/** The installed binary, run as the kubelet runs it: the provider config's args, its credential directory under the fake root. */
function askInstalledProvider(): { code: number; stdout: string; stderr: string } {
  const config = JSON.parse(readFileSync(join(host, HOST.providerConfig), "utf8"));
  const args = (config.providers[0].args as string[]).map((arg) => (arg === HOST.credentials ? join(host, HOST.credentials) : arg));
  const result = Bun.spawnSync([join(host, HOST.binDir, config.providers[0].name), ...args, "--syslog-socket", ""], {
    stdin: Buffer.from(request("registry.example.org/team/app")),
    env: { PATH: "/usr/bin:/bin", HOME: dir },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

test("install from the image, sync of the Secret, the installed binary answers, rotation, SIGTERM", async () => {
  const [install] = pod?.initContainers ?? [];
  const [sync] = pod?.containers ?? [];
  if (install === undefined || sync === undefined) throw new Error("the DaemonSet has no install or sync container");

  // The kubelet mounts the Secret before the pod starts, with the volume's defaultMode.
  writeSecretVersion(secret, credentials(PASSWORD_1), pod?.volumes?.find((volume) => volume.secret)?.secret?.defaultMode);

  const installed = podman.run(["run", "--rm", ...podmanOptions(install), IMAGE_REFERENCE, ...(install.args ?? [])]);
  expect({ code: installed.code, stderr: installed.stderr }).toEqual({ code: 0, stderr: "" });
  expect(installed.stdout).toContain(`${join("/host", HOST.binDir, "generic-credential-provider")}: written (mode 0755)`);
  expect(installed.stdout).toContain("Kubelet restart needed");
  expect(statSync(join(host, HOST.binDir, "generic-credential-provider")).mode & 0o7777).toBe(0o755);
  expect(statSync(join(host, HOST.providerConfig)).mode & 0o7777).toBe(0o600);

  const name = `gcp-fleet-sync-${process.pid}`;
  const child = podman.spawn(["run", "--rm", "--name", name, ...podmanOptions(sync), IMAGE_REFERENCE, ...(sync.args ?? [])]);
  const stdout = followOutput(child.stdout, "the sync container's stdout");
  const stderr = followOutput(child.stderr, "the sync container's stderr");
  try {
    await stdout.waitFor(/^sync: added registry\.example\.org\.json$/m, 0, 15_000);
    await stdout.waitFor(/^sync: watching \/secret/m, 0, 15_000);
    expect(statSync(join(host, HOST.credentials)).mode & 0o7777).toBe(0o700);
    expect(statSync(join(host, HOST.credentials, "registry.example.org.json")).mode & 0o7777).toBe(0o600);

    const first = askInstalledProvider();
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(first.stdout).auth["registry.example.org"]).toEqual({ username: "fleet-user", password: PASSWORD_1 });

    // Rotation: a new version of the Secret, switched in by the kubelet's atomic writer.
    const from = stdout.text().length;
    writeSecretVersion(secret, credentials(PASSWORD_2), 0o400);
    await stdout.waitFor(/^sync: updated registry\.example\.org\.json$/m, from, 10_000);
    const second = askInstalledProvider();
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).auth["registry.example.org"]).toEqual({ username: "fleet-user", password: PASSWORD_2 });
  } finally {
    // podman stop sends SIGTERM to the container's process 1: sync.
    podman.run(["stop", "--time", "10", name]);
  }
  expect(await child.exited).toBe(0);
  await Promise.all([stdout.ended, stderr.ended]);
  expect(stdout.text()).toEndWith("sync: stopped by SIGTERM\n");
  for (const text of [stdout.text(), stderr.text(), installed.stdout]) {
    expect(text).not.toContain(PASSWORD_1);
    expect(text).not.toContain(PASSWORD_2);
  }
});
