// `npm run image` (scripts/image.ts): the OCI image of the provider, built twice here (one digest,
// byte for byte), then read by the tools that consume it: skopeo (the layout and the
// oci-archive), a real docker-registry on 127.0.0.1 that `skopeo copy --all` pushes the index to,
// and podman, which runs the amd64 image natively and the arm64 one under qemu-user.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "./support/binary.ts";
import { buildImage, IMAGE_REFERENCE, type BuiltImage } from "./support/image-build.ts";
import { startPodman, type Podman } from "./support/podman.ts";
import { requireTool } from "./support/processes.ts";
import { copyAllAndFetch, skopeo, startRegistry } from "./support/registry.ts";

const PATH = "/usr/bin:/bin";
const PASSWORD = "fake-image-test-password-7777";
const V1 = "credentialprovider.kubelet.k8s.io/v1";

let dir: string;
let first: BuiltImage;
/** The second build runs while the tools read the first (the last test compares them). */
let second: Promise<BuiltImage>;
let podman: Podman;
let creds: string;

beforeAll(
  async () => {
    dir = mkdtempSync(join(tmpdir(), "gcp-image-"));
    first = await buildImage(join(dir, "first"));
    second = buildImage(join(dir, "second"));
    second.catch(() => {}); // awaited, and reported, by its test
    creds = join(dir, "registry");
    mkdirSync(creds);
    writeFileSync(join(creds, "registry.example.org.json"), JSON.stringify({ username: "image-user", password: PASSWORD }));
    podman = await startPodman();
  },
  { timeout: 120_000 },
);
afterAll(async () => {
  await second?.catch(() => {});
  await podman?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const blob = (digest: string) => readFileSync(join(first.layout, "blobs/sha256", digest.slice("sha256:".length)));
const json = (digest: string) => JSON.parse(blob(digest).toString("utf8"));


const skopeoText = (args: string[]) => skopeo(dir, args).toString();

const listings = new Map<string, string[]>();
/** The layer of a manifest as `tar -tv` lists it: "mode owner/group size date time path". */
function layerListing(manifestDigest: string): string[] {
  const listed = listings.get(manifestDigest);
  if (listed !== undefined) return listed;
  const manifest = json(manifestDigest);
  const layer = join(first.layout, "blobs/sha256", (manifest.layers[0].digest as string).slice("sha256:".length));
  const result = Bun.spawnSync([requireTool("tar", PATH), "--numeric-owner", "-tvzf", layer], { env: { PATH, TZ: "UTC" }, stdout: "pipe" });
  const listing = result.stdout
    .toString()
    .trim()
    .split("\n")
    .map((line) => line.replace(/\s+/g, " "));
  listings.set(manifestDigest, listing);
  return listing;
}

describe("the image layout", () => {
  test("index.json names one image, the index of an amd64 and an arm64/v8 manifest", () => {
    const index = JSON.parse(readFileSync(join(first.layout, "index.json"), "utf8"));
    expect(index.manifests).toEqual([
      {
        mediaType: "application/vnd.oci.image.index.v1+json",
        digest: first.digest,
        size: blob(first.digest).length,
        annotations: { "org.opencontainers.image.ref.name": IMAGE_REFERENCE },
      },
    ]);
    const platforms = json(first.digest).manifests.map((m: { platform: object }) => m.platform);
    expect(platforms).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
  });

  test("each layer holds the binary, the glibc it links and nothing else: no shell; owner 0:0, one date", () => {
    const [amd64, arm64] = json(first.digest).manifests.map((m: { digest: string }) => m.digest) as [string, string];
    const paths = (listing: string[]) => listing.map((line) => line.split(" ").at(-1));
    expect(paths(layerListing(amd64))).toEqual([
      "lib/",
      "lib/x86_64-linux-gnu/",
      "lib/x86_64-linux-gnu/libc.so.6",
      "lib/x86_64-linux-gnu/libdl.so.2",
      "lib/x86_64-linux-gnu/libm.so.6",
      "lib/x86_64-linux-gnu/libpthread.so.0",
      "lib64/",
      "lib64/ld-linux-x86-64.so.2",
      "tmp/",
      "usr/",
      "usr/local/",
      "usr/local/bin/",
      "usr/local/bin/generic-credential-provider",
      "usr/share/",
      "usr/share/doc/",
      "usr/share/doc/libc6/",
      "usr/share/doc/libc6/copyright",
    ]);
    expect(paths(layerListing(arm64))).toContain("lib/ld-linux-aarch64.so.1");
    expect(paths(layerListing(arm64))).toContain("lib/aarch64-linux-gnu/libc.so.6");
    for (const line of [...layerListing(amd64), ...layerListing(arm64)]) {
      expect(line.split(" ")[1]).toBe("0/0");
      expect(line).not.toMatch(/ (bin|usr\/bin)\/(sh|bash|dash|busybox)$/);
    }
    expect(new Set([...layerListing(amd64), ...layerListing(arm64)].map((line) => line.split(" ").slice(3, 5).join(" "))).size).toBe(1);
    expect(layerListing(amd64).find((line) => line.endsWith(" tmp/"))).toStartWith("drwxrwxrwt");
  });
});

describe("skopeo", () => {
  test("inspects the layout: the index's digest, the entrypoint", () => {
    expect(JSON.parse(skopeoText(["inspect", `oci:${first.layout}:${IMAGE_REFERENCE}`])).Digest).toBe(first.digest);
    expect(sha256(skopeoText(["inspect", "--raw", `oci:${first.layout}:${IMAGE_REFERENCE}`]))).toBe(first.digest);
    const config = JSON.parse(skopeoText(["inspect", "--config", `oci:${first.layout}:${IMAGE_REFERENCE}`]));
    expect(config.config.Entrypoint).toEqual(["/usr/local/bin/generic-credential-provider"]);
    expect(config.architecture).toBe("amd64");
  });

  test("inspects the oci-archive, each platform", () => {
    expect(JSON.parse(skopeoText(["inspect", `oci-archive:${first.archive}`])).Architecture).toBe("amd64");
    expect(JSON.parse(skopeoText(["--override-arch", "arm64", "inspect", `oci-archive:${first.archive}`])).Architecture).toBe("arm64");
  });

  test("copy --all to a docker-registry on 127.0.0.1: the registry serves the index under the same digest", async () => {
    const registry = await startRegistry("pusher", PASSWORD);
    try {
      const served = copyAllAndFetch(registry, "pusher", PASSWORD, `oci:${first.layout}:${IMAGE_REFERENCE}`, "tools/generic-credential-provider:1.0.0");
      expect(sha256(served)).toBe(first.digest);
      const fromArchive = copyAllAndFetch(registry, "pusher", PASSWORD, `oci-archive:${first.archive}`, "tools/generic-credential-provider:archive");
      expect(sha256(fromArchive)).toBe(first.digest);
    } finally {
      await registry.stop();
    }
  });
});

describe("podman", () => {
  const run = (args: string[], stdin = "") => podman.run(["run", "--rm", "-i", ...args], stdin);

  test("loads the oci-archive and runs the amd64 image: it answers a request from a file backend, read-only, without capabilities", () => {
    const loaded = podman.run(["load", "--signature-policy", podman.policy, "-i", first.archive]);
    expect(loaded).toMatchObject({ code: 0, stdout: expect.stringContaining(`Loaded image: ${IMAGE_REFERENCE}`) });
    const answer = run(
      ["--read-only", "--cap-drop", "ALL", "--user", "65534:65534", "-v", `${creds}:/etc/kubernetes/registry:ro`, IMAGE_REFERENCE, "--syslog-socket", ""],
      request("registry.example.org/org/image"),
    );
    expect(answer.stderr).not.toContain(PASSWORD);
    expect(answer.code).toBe(0);
    expect(JSON.parse(answer.stdout)).toEqual({
      apiVersion: V1,
      kind: "CredentialProviderResponse",
      cacheKeyType: "Registry",
      auth: { "registry.example.org": { username: "image-user", password: PASSWORD } },
    });
    const shell = run(["--entrypoint", "/bin/sh", IMAGE_REFERENCE, "-c", "true"]);
    expect(shell.code).not.toBe(0);
    expect(shell.stderr).toContain("/bin/sh: no such file or directory");
  });

  test("the arm64 image answers under qemu-user, with its own ld.so and glibc", () => {
    const qemu = requireTool("qemu-aarch64-static", PATH);
    const pulled = podman.run(["pull", "--signature-policy", podman.policy, "-q", "--arch", "arm64", `oci-archive:${first.archive}`]);
    expect(pulled.code).toBe(0);
    expect(podman.run(["tag", IMAGE_REFERENCE, "localhost/generic-credential-provider:arm64"]).code).toBe(0);
    const arch = podman.run(["image", "inspect", "--format", "{{.Architecture}}", "localhost/generic-credential-provider:arm64"]);
    expect(arch.stdout.trim()).toBe("arm64");
    const answer = run(
      [
        ...["-v", `${qemu}:/qemu-aarch64-static:ro`, "--entrypoint", "/qemu-aarch64-static"],
        ...["-v", `${creds}:/etc/kubernetes/registry:ro`, "localhost/generic-credential-provider:arm64"],
        ...["/usr/local/bin/generic-credential-provider", "--syslog-socket", ""],
      ],
      request("registry.example.org/org/image"),
    );
    expect(answer.code).toBe(0);
    expect(JSON.parse(answer.stdout).auth["registry.example.org"].password).toBe(PASSWORD);
  });
});

describe("reproducible", () => {
  test("two builds give the same bytes, so the same digest", async () => {
    const again = await second;
    const files = (root: string) => readdirSync(root, { recursive: true, encoding: "utf8" }).sort();
    expect(files(again.layout)).toEqual(files(first.layout));
    for (const file of files(first.layout).filter((f) => f.includes("."))) {
      expect({ file, digest: sha256(readFileSync(join(again.layout, file))) }).toEqual({ file, digest: sha256(readFileSync(join(first.layout, file))) });
    }
    expect(sha256(readFileSync(again.archive))).toBe(sha256(readFileSync(first.archive)));
    expect(again.digest).toBe(first.digest);
    // Every blob is named by its own digest.
    for (const name of readdirSync(join(first.layout, "blobs/sha256"))) expect(sha256(blob(`sha256:${name}`))).toBe(`sha256:${name}`);
  });
});
