#!/usr/bin/env bash
# Compiles one executable with the project's flags, with the git commit it was built from embedded
# (BUILD_COMMIT, read by src/version.ts; "unknown" outside a git checkout of this project, "-dirty"
# appended when tracked files have changes). Every build goes through here: `npm run build` (the
# native binary), scripts/build-release.sh (one target each, with its own Bun runtime) and the
# benchmark (the binary and its floor), so they all share one set of flags.
#
#   bash scripts/build.sh [--entry FILE] [--outfile FILE] [more `bun build` flags...]
#
# Defaults: --entry src/main.ts --outfile dist/generic-credential-provider (relative to the
# repository). Extra flags go to `bun build` as they are (--target, --compile-executable-path).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

entry=src/main.ts
outfile=dist/generic-credential-provider
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --entry) entry=$2; shift 2 ;;
    --outfile) outfile=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

commit=unknown
# Only this project's own checkout counts: a copy unpacked inside some other repository is not it.
# A repository without commits has no HEAD: unknown too.
if [ "$(git rev-parse --show-toplevel 2>/dev/null || true)" = "$root" ] && head=$(git rev-parse --verify -q HEAD); then
  commit=$head
  if [ -n "$(git status --porcelain --untracked-files=no)" ]; then commit="$commit-dirty"; fi
fi

# --minify --bytecode: the smallest start-up (docs/ARCHITECTURE.md, "Start-up"). --splitting: what
# is loaded with require() or import() (a backend's module, yaml for kubelet-config) is a chunk of
# its own, read only when loaded; in one bundle every run pays for all of it. No .env or
# bunfig.toml of the working directory may change what the binary does.
# Built on a given runtime (--compile-executable-path: a release or image target), Bun gets an
# empty cache of its own: no runtime that something else cached can stand in for the checked one.
for arg in ${extra[@]+"${extra[@]}"}; do
  case $arg in
    --compile-executable-path|--compile-executable-path=*)
      BUN_INSTALL_CACHE_DIR=$(mktemp -d)
      export BUN_INSTALL_CACHE_DIR
      trap 'rm -rf "$BUN_INSTALL_CACHE_DIR"' EXIT
      ;;
  esac
done

"$root/node_modules/.bin/bun" build "$entry" --compile \
  --minify --bytecode --splitting --format=esm \
  --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
  --define "BUILD_COMMIT=\"$commit\"" \
  --outfile "$outfile" ${extra[@]+"${extra[@]}"}
