// `npm run image`: a reproducible OCI image of the provider, for the DaemonSet of deploy/. One
// manifest per platform (linux/amd64, linux/arm64/v8) under one image index, and no shell inside:
// the layer holds the binary (the entrypoint) and the glibc files its ELF headers ask for (the
// interpreter and the DT_NEEDED closure), nothing else but an empty /tmp and glibc's copyright
// file. No daemon, no base image: the layer tar is written here (scripts/image/tar.ts), gzip-ed by
// GNU gzip -n, and the config, manifests and indexes are hashed and written as an OCI image layout
// (https://github.com/opencontainers/image-spec/blob/main/image-layout.md), plus an oci-archive.
//
//   npm run image [-- options]
//     --out DIR            the OCI image layout to (re)create            (default dist/image/oci)
//     --archive FILE       the oci-archive (a tar of the layout); "" none (default dist/image/oci.tar)
//     --work DIR           compiled binaries, unpacked glibc .debs        (default dist/image/work)
//     --runtime-cache DIR  the Bun runtimes fetched with npm pack         (default dist/runtimes)
//     --platforms LIST     amd64,arm64                                    (default both)
//     --binary-amd64 F, --binary-arm64 F   take this executable instead of compiling one
//     --glibc-deb-amd64 F, --glibc-deb-arm64 F   glibc from a libc6_<version>_<arch>.deb
//                          (apt-get download libc6:ARCH=VERSION) instead of the build host's files
//     --name N, --tag T    the index's org.opencontainers.image.ref.name, N:T
//                          (default localhost/generic-credential-provider:<package version>)
//     --level N            gzip level (default 6)
//     --deploy DIR         where the digest is recorded (image.json) and the manifests pinning it are
//                          rendered (deploy/render.ts); "" neither           (default deploy)
//
// Every input that reaches the bytes: the sources and bun's version (package-lock.json; each
// executable is compiled by `npm run build` with a target and a checked runtime,
// scripts/bun-runtime.ts), the glibc files (the host's libc6 for amd64, libc6-arm64-cross
// for arm64, or the .debs given), GNU gzip's version, and SOURCE_DATE_EPOCH (default: HEAD's commit
// time) with the revision (HEAD, "-dirty" with uncommitted changes to tracked files). So two builds
// of one commit on one kind of build host give one digest; another host's glibc gives another.
import { createHash } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { writeDeploy } from "../deploy/render.ts";
import { bunRuntime } from "./bun-runtime.ts";
import { elfInfo } from "./image/elf.ts";
import { tarStream, type TarEntry } from "./image/tar.ts";

const repo = resolve(import.meta.dir, "..");
const argv = process.argv.slice(2);
const KNOWN = ["out", "archive", "work", "runtime-cache", "platforms", "binary-amd64", "binary-arm64", "glibc-deb-amd64", "glibc-deb-arm64", "name", "tag", "level", "deploy"];
for (let i = 0; i < argv.length; i += 2) {
  const flag = argv[i] as string;
  if (!flag.startsWith("--") || !KNOWN.includes(flag.slice(2)) || i + 1 >= argv.length) {
    throw new Error(`image: unknown option or missing value: ${flag} (see the comment at the top of scripts/image.ts)`);
  }
}
function option(name: string, fallback: string): string {
  const i = argv.lastIndexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] as string) : fallback;
}
const pathOption = (name: string, fallback: string) => {
  const value = option(name, fallback);
  return value === "" ? "" : resolve(value);
};

const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { name: string; version: string };
const outDir = pathOption("out", join(repo, "dist/image/oci"));
const archivePath = pathOption("archive", join(repo, "dist/image/oci.tar"));
const workDir = pathOption("work", join(repo, "dist/image/work"));
const runtimeCache = pathOption("runtime-cache", join(repo, "dist/runtimes"));
const deployDir = pathOption("deploy", join(repo, "deploy"));
const level = Number(option("level", "6"));
const imageName = option("name", `localhost/${pkg.name}`);
const tag = option("tag", pkg.version);
if (!Number.isInteger(level) || level < 1 || level > 9) throw new Error("image: --level must be 1 to 9");
if (outDir === "" || workDir === "" || runtimeCache === "") throw new Error("image: --out, --work and --runtime-cache need a directory");

function git(...args: string[]): string | null {
  const result = spawnSync("git", ["-C", repo, ...args], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
}
// Only this repository's own checkout counts (not a copy unpacked inside another repository).
const inCheckout = git("rev-parse", "--show-toplevel") === repo && git("rev-parse", "--verify", "-q", "HEAD") !== null;
const head = inCheckout ? (git("rev-parse", "HEAD") as string) : "unknown";
const revision = inCheckout && git("status", "--porcelain", "--untracked-files=no") !== "" ? `${head}-dirty` : head;
const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? (inCheckout ? git("log", "-1", "--format=%ct") : "0"));
if (!Number.isInteger(epoch) || epoch < 0) throw new Error("image: SOURCE_DATE_EPOCH must be a number of seconds");
const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, "Z");

/** Where the binary is in the image (paths in the layer have no leading "/"). */
const BINARY = "usr/local/bin/generic-credential-provider";

interface Platform {
  /** OCI (GOARCH) name. */
  arch: "amd64" | "arm64";
  variant?: string;
  bunTarget: string;
  /** Bun's npm package with this platform's runtime. */
  bunPackage: string;
  /** e_machine of every ELF file in the layer. */
  elfMachine: number;
  triplet: string;
  /** Directories holding this architecture's glibc. */
  libSource: string[];
  /** Debian's multiarch directory: where ld.so looks without /etc/ld.so.cache. */
  libDest: string;
  /** The Debian package the files come from, and its version (for a label). */
  glibcPackage: string;
  glibcVersion?: string;
  copyright: string;
  /** "/" for the host; a .deb's extraction otherwise (its absolute links resolve inside it). */
  root: string;
}

const PLATFORMS: Record<string, Platform> = {
  amd64: {
    arch: "amd64",
    bunTarget: "bun-linux-x64",
    bunPackage: "@oven/bun-linux-x64",
    elfMachine: 62,
    triplet: "x86_64-linux-gnu",
    libSource: ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"],
    libDest: "lib/x86_64-linux-gnu",
    glibcPackage: "libc6:amd64",
    copyright: "/usr/share/doc/libc6/copyright",
    root: "/",
  },
  arm64: {
    arch: "arm64",
    variant: "v8",
    bunTarget: "bun-linux-arm64",
    bunPackage: "@oven/bun-linux-aarch64",
    elfMachine: 183,
    triplet: "aarch64-linux-gnu",
    libSource: ["/usr/aarch64-linux-gnu/lib"],
    libDest: "lib/aarch64-linux-gnu",
    glibcPackage: "libc6-arm64-cross",
    copyright: "/usr/share/doc/libc6-arm64-cross/copyright",
    root: "/",
  },
};

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Record<string, string>;
  annotations?: Record<string, string>;
}

const blobDir = join(outDir, "blobs/sha256");
const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
/** Compact JSON in insertion order, no trailing newline: the bytes the digest is of. */
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function writeBlob(mediaType: string, data: Buffer): Descriptor {
  const digest = sha256(data);
  writeFileSync(join(blobDir, digest.slice("sha256:".length)), data);
  return { mediaType, digest, size: data.length };
}

/** The layer: the tar streamed through `gzip -n` (no name, no time), hashed on both sides. */
async function writeLayer(entries: TarEntry[]): Promise<{ descriptor: Descriptor; diffId: string }> {
  const temp = join(blobDir, `.layer-${process.pid}-${entries.length}-${Math.random().toString(36).slice(2)}`);
  const tarHash = createHash("sha256");
  const gzipHash = createHash("sha256");
  let size = 0;
  const fd = openSync(temp, "w");
  const gzip = spawn("gzip", ["-n", `-${level}`, "-c"], { stdio: ["pipe", "pipe", "inherit"] });
  gzip.stdout.on("data", (chunk: Buffer) => {
    gzipHash.update(chunk);
    size += chunk.length;
    writeSync(fd, chunk);
  });
  const done = new Promise<void>((ok, fail) => {
    gzip.on("error", fail);
    gzip.on("close", (code) => (code === 0 ? ok() : fail(new Error(`gzip exited with ${code}`))));
  });
  for (const chunk of tarStream(entries, epoch)) {
    tarHash.update(chunk);
    if (!gzip.stdin.write(chunk)) await new Promise((drained) => gzip.stdin.once("drain", drained));
  }
  gzip.stdin.end();
  await done;
  closeSync(fd);
  const digest = `sha256:${gzipHash.digest("hex")}`;
  renameSync(temp, join(blobDir, digest.slice("sha256:".length)));
  return { descriptor: { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest, size }, diffId: `sha256:${tarHash.digest("hex")}` };
}

/** Compiles the provider for `p` exactly as `npm run build` does, on the checked runtime. */
function compile(p: Platform): string {
  // Bun writes the --outfile basename into the executable: the same one on every build.
  const out = join(workDir, p.arch, "generic-credential-provider");
  mkdirSync(dirname(out), { recursive: true });
  const runtime = bunRuntime(repo, p.bunPackage, runtimeCache, join(workDir, p.arch, "runtime"));
  // scripts/build.sh gives Bun an empty cache of its own when it builds on a given runtime.
  const built = spawnSync(
    "npm",
    ["run", "--silent", "build", "--", "--outfile", out, `--target=${p.bunTarget}`, "--compile-executable-path", runtime],
    { cwd: repo, stdio: ["ignore", "ignore", "inherit"] },
  );
  if (built.status !== 0) throw new Error(`image: npm run build for ${p.bunTarget} failed`);
  return out;
}

/** The file `name` in one of p.libSource, its links followed inside p.root only. */
function findLibrary(p: Platform, name: string): string {
  for (const dir of p.libSource) {
    let path = join(dir, name);
    for (let hops = 0; hops < 10 && existsSync(path); hops++) {
      if (!lstatSync(path).isSymbolicLink()) return path;
      const target = readlinkSync(path);
      path = target.startsWith("/") ? join(p.root, target) : join(dirname(path), target);
    }
  }
  throw new Error(`image: ${name} is not in ${p.libSource.join(" or ")} (Debian: apt-get install ${p.glibcPackage.replace(/:.*/, "")})`);
}

function installedVersion(debianPackage: string): string {
  const result = spawnSync("dpkg-query", ["-W", "-f", "${Version}", debianPackage], { encoding: "utf8" });
  if (result.status !== 0 || result.stdout === "") throw new Error(`image: ${debianPackage} is not installed`);
  return result.stdout;
}

/** The layer's entries: the binary, ld.so at its PT_INTERP path, the DT_NEEDED closure. */
function layerEntries(p: Platform, binary: string): TarEntry[] {
  const entries: TarEntry[] = [{ path: BINARY, mode: 0o755, source: binary }];
  const top = elfInfo(binary);
  if (top.machine !== p.elfMachine) throw new Error(`image: ${binary} is for ELF machine ${top.machine}, not ${p.arch}`);
  if (top.interpreter === undefined) throw new Error(`image: ${binary} has no interpreter`);
  const interpreter = basename(top.interpreter);
  entries.push({ path: top.interpreter.slice(1), mode: 0o755, source: findLibrary(p, interpreter) });
  // ld.so is loaded already and matched by its soname: never searched for, never copied twice.
  const seen = new Set([interpreter]);
  const queue = [...top.needed];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const source = findLibrary(p, name);
    const info = elfInfo(source);
    if (info.machine !== p.elfMachine) throw new Error(`image: ${source} is for ELF machine ${info.machine}, not ${p.arch}`);
    entries.push({ path: `${p.libDest}/${name}`, mode: statSync(source).mode & 0o111 ? 0o755 : 0o644, source });
    queue.push(...info.needed);
  }
  entries.push({ path: `usr/share/doc/${p.glibcPackage.replace(/:.*/, "")}/copyright`, mode: 0o644, source: p.copyright });
  entries.push({ path: "tmp/", mode: 0o1777 });
  return entries;
}

async function buildPlatform(p: Platform, binary: string): Promise<Descriptor & { glibc: string }> {
  const entries = layerEntries(p, binary);
  const layer = await writeLayer(entries);
  const glibc = `${p.glibcPackage} ${p.glibcVersion ?? installedVersion(p.glibcPackage)}`;
  const config = {
    created,
    architecture: p.arch,
    ...(p.variant ? { variant: p.variant } : {}),
    os: "linux",
    config: {
      User: "0:0",
      Env: ["PATH=/usr/local/bin"],
      Entrypoint: [`/${BINARY}`],
      WorkingDir: "/",
      Labels: {
        "org.opencontainers.image.title": pkg.name,
        "org.opencontainers.image.version": pkg.version,
        "org.opencontainers.image.revision": revision,
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.licenses": "MIT AND LGPL-2.1-or-later",
        "generic-credential-provider.glibc": glibc,
      },
    },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created, created_by: `${pkg.name} ${pkg.version} scripts/image.ts: the binary and ${glibc}` }],
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: writeBlob("application/vnd.oci.image.config.v1+json", json(config)),
    layers: [layer.descriptor],
  };
  const descriptor = writeBlob("application/vnd.oci.image.manifest.v1+json", json(manifest));
  const platform: Record<string, string> = { architecture: p.arch, os: "linux", ...(p.variant ? { variant: p.variant } : {}) };
  console.error(`image: ${p.arch}: ${entries.map((e) => `/${e.path}`).join(" ")}\n  layer ${layer.descriptor.size} B, manifest ${descriptor.digest}`);
  return { ...descriptor, platform, glibc };
}

/** A platform whose glibc comes from a libc6 .deb instead of the host. */
function fromDeb(p: Platform, deb: string): Platform {
  const root = join(workDir, p.arch, "glibc");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  if (spawnSync("dpkg-deb", ["-x", deb, root], { stdio: "inherit" }).status !== 0) throw new Error(`image: dpkg-deb -x ${deb} failed`);
  const field = (name: string) => spawnSync("dpkg-deb", ["-f", deb, name], { encoding: "utf8" }).stdout.trim();
  if (field("Package") !== "libc6" || field("Architecture") !== p.arch) throw new Error(`image: ${deb} is not libc6 for ${p.arch}`);
  return {
    ...p,
    root,
    libSource: [join(root, "lib", p.triplet), join(root, "usr/lib", p.triplet)],
    copyright: join(root, "usr/share/doc/libc6/copyright"),
    glibcPackage: `libc6:${p.arch}`,
    glibcVersion: field("Version"),
  };
}

const started = performance.now();
const chosen = option("platforms", "amd64,arm64")
  .split(",")
  .map((name) => {
    const p = PLATFORMS[name];
    if (p === undefined) throw new Error(`image: unknown platform ${name} (amd64, arm64)`);
    const deb = option(`glibc-deb-${name}`, "");
    return deb === "" ? p : fromDeb(p, resolve(deb));
  });
// Compile first, then both layers at once: two gzip processes, one per core.
const binaries = chosen.map((p) => {
  const given = option(`binary-${p.arch}`, "");
  return given === "" ? compile(p) : resolve(given);
});
rmSync(outDir, { recursive: true, force: true });
mkdirSync(blobDir, { recursive: true });
const manifests = await Promise.all(chosen.map((p, i) => buildPlatform(p, binaries[i] as string)));
const imageIndex = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: manifests.map(({ glibc: _, ...descriptor }) => descriptor),
  annotations: {
    "org.opencontainers.image.created": created,
    "org.opencontainers.image.version": pkg.version,
    "org.opencontainers.image.revision": revision,
  },
};
const index = writeBlob("application/vnd.oci.image.index.v1+json", json(imageIndex));
// index.json names ONE image, the multi-arch index, with a full reference: with more entries
// `podman load` and `skopeo inspect oci-archive:FILE` refuse the archive ("more than one image"),
// and podman loads a bare "1.0.0" as localhost/1.0.0:latest.
const reference = `${imageName}:${tag}`;
const layout: TarEntry[] = [
  { path: "oci-layout", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
  {
    path: "index.json",
    mode: 0o644,
    data: json({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ ...index, annotations: { "org.opencontainers.image.ref.name": reference } }],
    }),
  },
];
for (const file of layout) writeFileSync(join(outDir, file.path), file.data as Buffer);
console.error(`image: ${reference} ${index.digest}\n  layout ${outDir}`);

if (archivePath !== "") {
  // The oci-archive: the layout as an uncompressed tar, written like the layers.
  const blobs = readdirSync(blobDir).sort();
  const entries = [...layout, ...blobs.map((name) => ({ path: `blobs/sha256/${name}`, mode: 0o644, source: join(blobDir, name) }))];
  mkdirSync(dirname(archivePath), { recursive: true });
  const fd = openSync(archivePath, "w");
  for (const chunk of tarStream(entries, epoch)) writeSync(fd, chunk);
  closeSync(fd);
  console.error(`  oci-archive ${archivePath}`);
}

if (deployDir !== "") {
  // What deploy/ pins: the index's digest, and what it was built from.
  const record = {
    name: imageName,
    tag,
    digest: index.digest,
    revision,
    created,
    platforms: Object.fromEntries(manifests.map((m) => [m.platform?.architecture, { manifest: m.digest, glibc: m.glibc }])),
  };
  mkdirSync(deployDir, { recursive: true });
  writeFileSync(join(deployDir, "image.json"), `${JSON.stringify(record, null, 2)}\n`);
  // …and the manifests that pin it, rendered again.
  const written = writeDeploy(deployDir, record);
  console.error(`  recorded in ${join(deployDir, "image.json")}; rendered ${written.join(", ")}`);
}
console.error(`image: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
