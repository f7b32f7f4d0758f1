// The Bun runtime an executable for another platform is built on: bin/bun of Bun's own npm package
// for it (@oven/bun-linux-x64, @oven/bun-linux-aarch64; the arm64 one is named "aarch64"), at
// exactly the version of the `bun` devDependency, fetched with `npm pack` (the npm registry is the
// only source) and checked against the sha512 integrity that package-lock.json records for it (npm
// locks every platform's package as an optional dependency of `bun`) before it is used. Bun gets it
// through --compile-executable-path, so it never downloads a runtime itself (its own download
// checks no digest).
//
// Both builds that compile for another platform use it: `npm run image` (scripts/image.ts) by
// import, `npm run build:release` (scripts/build-release.sh) through the command line, which
// prints the runtime's path:
//
//   bun scripts/bun-runtime.ts PACKAGE CACHE_DIR INTO
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

interface LockEntry {
  version?: string;
  integrity?: string;
}

function sri(file: string): string {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

/**
 * The checked bin/bun of npm package `name` (e.g. @oven/bun-linux-aarch64), unpacked into the
 * directory `into` from its tarball, which is kept in `cacheDir` and checked again at every use.
 */
export function bunRuntime(repo: string, name: string, cacheDir: string, into: string): string {
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const version = lock.packages["node_modules/bun"]?.version;
  if (version === undefined || version !== pkg.devDependencies?.bun) {
    throw new Error(`package-lock.json has bun ${version}, package.json ${pkg.devDependencies?.bun}: run npm install`);
  }
  const locked = lock.packages[`node_modules/${name}`];
  if (locked?.version !== version || !locked.integrity?.startsWith("sha512-")) {
    throw new Error(`package-lock.json records no sha512 integrity of ${name}@${version}`);
  }
  mkdirSync(cacheDir, { recursive: true });
  // npm pack's own file name: "@oven/bun-linux-aarch64" -> "oven-bun-linux-aarch64-1.4.5.tgz".
  const tgz = join(cacheDir, `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`);
  if (!existsSync(tgz) || sri(tgz) !== locked.integrity) {
    rmSync(tgz, { force: true });
    const packed = spawnSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", cacheDir, `${name}@${version}`], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (packed.status !== 0 || !existsSync(tgz)) throw new Error(`npm pack ${name}@${version} failed`);
    const got = sri(tgz);
    if (got !== locked.integrity) {
      rmSync(tgz, { force: true });
      throw new Error(`${name}@${version}: the tarball is ${got}, package-lock.json has ${locked.integrity}`);
    }
  }
  // Unpacked afresh from the checked tarball on every build.
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  if (spawnSync("tar", ["-xzf", tgz, "-C", into, "package/bin/bun"], { stdio: "inherit" }).status !== 0) {
    throw new Error(`cannot unpack ${tgz}`);
  }
  return join(into, "package/bin/bun");
}

if (import.meta.main) {
  const [name, cacheDir, into] = process.argv.slice(2);
  if (name === undefined || cacheDir === undefined || into === undefined) {
    process.stderr.write("usage: bun scripts/bun-runtime.ts PACKAGE CACHE_DIR INTO\n");
    process.exit(2);
  }
  try {
    process.stdout.write(`${bunRuntime(join(import.meta.dir, ".."), name, cacheDir, into)}\n`);
  } catch (error) {
    process.stderr.write(`bun-runtime: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
