#!/usr/bin/env bash
# `npm run build:release`: the release executables, cross-compiled on any Linux build host after
# `npm ci`:
#
#   dist/generic-credential-provider-linux-x64     every x86-64 node (Nehalem and later: SSE4.2)
#   dist/generic-credential-provider-linux-arm64   every arm64 (aarch64) node
#   dist/SHA256SUMS                                bare file names: cd dist && sha256sum -c SHA256SUMS
#
# Each target's Bun runtime is the `bin/bun` of Bun's own npm package for it, at exactly the version
# of the `bun` devDependency, fetched with `npm pack` (the npm registry is the only source) and
# checked against the integrity pinned below before it is used (scripts/bun-runtime.ts); Bun gets it through
# --compile-executable-path, so it never downloads a runtime itself (its own download checks no
# digest). The packages are not dependencies: the arm64 one declares cpu "arm64", and `npm ci`
# would fail on an x64 machine with EBADPLATFORM.
#
# No x64-baseline build: in Bun 1.4.5, @oven/bun-linux-x64-baseline is an alias whose bin/bun is
# byte-identical to @oven/bun-linux-x64's (sha256 f05d28a3...c06083; its README: "Bun ships a single
# x64 binary that targets Nehalem (SSE4.2) and dispatches AVX2/AVX-512 at runtime"), so the
# x64 executable would be the same file twice. When Bun is updated, compare the two again:
#   npm pack @oven/bun-linux-x64@<v> @oven/bun-linux-x64-baseline@<v>, then sha256sum package/bin/bun
#
# Updating Bun: change `bun` (and `bun-types`) in package.json and package-lock.json, then the
# version and the pins below (npm view @oven/bun-linux-aarch64@<v> dist.integrity; the sha256 of
# the package's bin/bun). The script refuses to run while they disagree with package.json and the
# lock file, which records both packages as optional dependencies of `bun`.
#
# Smoke tests of the outputs (natively and under qemu): scripts/check-release.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

BUN_VERSION=1.4.5
# file name suffix | npm package | bun build --target | sha512 of the package tarball (SRI) | sha256 of its bin/bun
TARGETS=(
  "linux-x64|@oven/bun-linux-x64|bun-linux-x64|sha512-IWX9BELoGHAUtMonkeSaNaZwXzRk+oDw6Mk+HBFXd3KHYIBNBsIGRupMZPcgNoDbJpLu6gAJjIoIVPZtt1aJ1g==|f05d28a3862f4b84395c7fa32480b835dd47482e80b7e7a49a115227f0c06083"
  # The arm64 package is named "aarch64"; @oven/bun-linux-arm64 does not exist.
  "linux-arm64|@oven/bun-linux-aarch64|bun-linux-arm64|sha512-4BXmsSKnjOrlGWqZV4x/oWa7AVoR+B6lCXddMzOAXBIm3t50eslg9wb66gmtW1AamEQ1l1CDvmmruysEhqOWMg==|04778f1f42399a69d086853e9c7af4acf574b2f21a43d0dc673853d8b84a2923"
)
NAME=generic-credential-provider

die() { echo "build-release: $*" >&2; exit 1; }

# The Bun that compiles must be the runtime's own version: bytecode is valid only for the same
# JavaScriptCore build.
bun=node_modules/.bin/bun
[ -x "$bun" ] || die "node_modules/.bin/bun is missing: run npm ci first"
declared=$(node -p 'require("./package.json").devDependencies.bun')
[ "$declared" = "$BUN_VERSION" ] || die "package.json pins bun $declared, this script $BUN_VERSION: update the pins here"
installed=$("$bun" --version)
[ "$installed" = "$BUN_VERSION" ] || die "node_modules has bun $installed, expected $BUN_VERSION: run npm ci"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p dist
rm -f dist/SHA256SUMS dist/"$NAME"-linux-*
outputs=()
for entry in "${TARGETS[@]}"; do
  IFS='|' read -r name package target integrity bin_sha256 <<<"$entry"

  locked=$(node -p "(require('./package-lock.json').packages['node_modules/$package'] || {}).integrity || ''")
  [ "$locked" = "$integrity" ] || die "$package: package-lock.json has '$locked', this script pins '$integrity'"

  # The tarball is kept in dist/runtimes with npm run image's, and checked against the lock file's
  # integrity (the pin above) at every use (scripts/bun-runtime.ts); bin/bun is unpacked afresh.
  runtime=$("$bun" scripts/bun-runtime.ts "$package" dist/runtimes "$work/$name")
  got=$(sha256sum "$runtime" | cut -d' ' -f1)
  [ "$got" = "$bin_sha256" ] || die "$package@$BUN_VERSION: bin/bun is $got, pinned $bin_sha256"

  # --target as well: it is what marks the bytecode as cross-compiled in the executable (shown in
  # crash reports); the runtime used is the one given by path, whatever the target says.
  bash scripts/build.sh --outfile "dist/$NAME-$name" --target="$target" --compile-executable-path "$runtime"
  outputs+=("$NAME-$name")
done

(cd dist && sha256sum "${outputs[@]}" > SHA256SUMS)
cat dist/SHA256SUMS
