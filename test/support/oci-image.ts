// A tiny container image built by hand at test time (tests download nothing): an OCI image layout
// (https://github.com/opencontainers/image-spec/blob/main/image-layout.md) with one gzipped layer
// holding one file, its config, its manifest and index.json. The same bytes on every run.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface OciImage {
  /** The layout directory; `oci:<layout>:<tag>` is its reference for skopeo. */
  layout: string;
  tag: string;
  /** The image id a runtime reports (containerd's PullImage image_ref): the config's digest. */
  configDigest: string;
  manifestDigest: string;
  layerDigest: string;
}

const sha256 = (data: Uint8Array | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** GOARCH names, which image configs use; the runtime pulls only its own platform. */
function goArch(): string {
  const names: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  const name = names[process.arch];
  if (name === undefined) throw new Error(`no GOARCH name known for ${process.arch}`);
  return name;
}

/** A ustar archive of regular files (mode 0644, owner 0:0, mtime 0), in the order given. */
export function tarArchive(files: { name: string; content: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const content = Buffer.from(file.content);
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "ascii");
    const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
    field(0, 100, file.name);
    octal(100, 8, 0o644);
    octal(108, 8, 0); // uid
    octal(116, 8, 0); // gid
    octal(124, 12, content.length);
    octal(136, 12, 0); // mtime
    field(148, 8, " ".repeat(8)); // the checksum counts its own field as spaces
    field(156, 1, "0"); // regular file
    field(257, 8, "ustar\u000000");
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    field(148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(blocks);
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

  const tar = tarArchive([{ name: "hello.txt", content: "hello from generic-credential-provider's tests\n" }]);
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
  return { layout: dir, tag, configDigest: config.digest, manifestDigest: manifest.digest, layerDigest: layer.digest };
}
