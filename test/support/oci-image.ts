// A tiny container image built by hand at test time (tests download nothing): an OCI image layout
// (https://github.com/opencontainers/image-spec/blob/main/image-layout.md) with one gzipped layer
// holding one file, its config, its manifest and index.json. The same bytes on every run.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { tarStream } from "../../scripts/image/tar.ts";

export interface OciImage {
  /** The layout directory; `oci:<layout>:<tag>` is its reference for skopeo. */
  layout: string;
  tag: string;
  /** The image id a runtime reports (containerd's PullImage image_ref): the config's digest. */
  configDigest: string;
  manifestDigest: string;
}

const sha256 = (data: Uint8Array | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** GOARCH names, which image configs use; the runtime pulls only its own platform. */
function goArch(): string {
  const names: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  const name = names[process.arch];
  if (name === undefined) throw new Error(`no GOARCH name known for ${process.arch}`);
  return name;
}

/** Writes the image's OCI layout to `dir`. */
export function buildOciImage(dir: string, tag = "v1"): OciImage {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer | string) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice("sha256:".length)), data);
    return { digest, size: Buffer.byteLength(data) };
  };

  // The image build's own tar writer, mtime 0.
  const tar = Buffer.concat([...tarStream([{ path: "hello.txt", mode: 0o644, data: Buffer.from("hello from generic-credential-provider's tests\n") }], 0)]);
  const layer = blob(gzipSync(tar, { level: 9 }));
  const config = blob(
    JSON.stringify({
      architecture: goArch(),
      os: "linux",
      config: { Cmd: ["/hello.txt"] },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] }, // the digest of the uncompressed layer
      history: [{ created_by: "test/support/oci-image.ts" }],
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    }),
  );
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, annotations: { "org.opencontainers.image.ref.name": tag } }],
    }),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return { layout: dir, tag, configDigest: config.digest, manifestDigest: manifest.digest };
}
