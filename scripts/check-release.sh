#!/usr/bin/env bash
# Smoke test of the release executables that `npm run build:release` wrote to dist/ (CI runs it):
#  - dist/SHA256SUMS lists exactly the release executables, by bare file name, and
#    `cd dist && sha256sum -c SHA256SUMS` passes;
#  - each is an ELF for its architecture needing at most GLIBC_2.17;
#  - each prints exactly the seed script's --version line, and its `version` names the commit of
#    this checkout, the Bun of package.json and its platform;
#  - each answers a real request from a `file` backend: x64 natively and under
#    `qemu-x86_64-static -cpu Nehalem` (a CPU without AVX or AVX2), arm64 under
#    `qemu-aarch64-static -cpu cortex-a53` (ARMv8.0-A) with Debian's arm64 loader and libc
#    (libc6-arm64-cross); and, as the
#    control that qemu enforces its CPU models, x64 dies with SIGILL under `-cpu core2duo`.
# Needs an x86-64 host with qemu-user-static, libc6-arm64-cross and binutils
# (scripts/install-test-packages.sh installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

NAME=generic-credential-provider
ARCHES=(linux-x64 linux-arm64)
GLIBC_MAX=2.17
ARM64_SYSROOT=/usr/aarch64-linux-gnu

fail() { echo "check-release: FAILED: $*" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || fail "runs on an x86-64 host (it runs the x64 executable natively)"
for tool in qemu-x86_64-static qemu-aarch64-static readelf; do
  command -v "$tool" >/dev/null || fail "$tool is missing: bash scripts/install-test-packages.sh"
done
[ -e "$ARM64_SYSROOT/lib/ld-linux-aarch64.so.1" ] || fail "$ARM64_SYSROOT has no arm64 loader: bash scripts/install-test-packages.sh"

# SHA256SUMS: exactly our executables, bare names, and every sum right.
[ -f dist/SHA256SUMS ] || fail "dist/SHA256SUMS is missing: npm run build:release"
listed=$(awk '{ print $2 }' dist/SHA256SUMS | sort)
expected=$(printf "$NAME-%s\n" "${ARCHES[@]}" | sort)
[ "$listed" = "$expected" ] || fail "dist/SHA256SUMS lists [$(echo $listed)], expected [$(echo $expected)]"
(cd dist && sha256sum --check --strict --quiet SHA256SUMS) || fail "dist/SHA256SUMS does not match the files"
echo "ok: dist/SHA256SUMS lists and matches $(echo $expected)"

version=$(node -p 'require("./package.json").version')
bun_version=$(node -p 'require("./package.json").devDependencies.bun')
head=unknown
if [ "$(git rev-parse --show-toplevel 2>/dev/null || true)" = "$root" ]; then head=$(git rev-parse HEAD); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A credential directory whose password exists only for this run: the answer cannot be canned.
password="check-release-$$-$RANDOM$RANDOM"
mkdir "$work/registry"
printf '{"username":"release-check","password":"%s","duration":"1m"}' "$password" > "$work/registry/registry.example.org.json"
request='{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"registry.example.org/org/image:1.0"}'
response="{\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"kind\":\"CredentialProviderResponse\",\"cacheKeyType\":\"Registry\",\"cacheDuration\":\"1m0s\",\"auth\":{\"registry.example.org\":{\"username\":\"release-check\",\"password\":\"$password\"}}}"

# check LABEL PLATFORM COMMAND...: runs the executable (COMMAND...) three ways.
check() {
  local label=$1 platform=$2; shift 2
  local out
  out=$("$@" --version </dev/null) || fail "$label: --version exited with $?"
  [ "$out" = "$NAME version $version" ] || fail "$label: --version printed '$out', expected '$NAME version $version'"
  out=$("$@" version </dev/null) || fail "$label: version exited with $?"
  local commit
  commit=$(sed -n 's/^commit: //p' <<<"$out")
  case $commit in "$head" | "$head-dirty") ;; *) fail "$label: version names commit '$commit', expected $head" ;; esac
  grep -qx "bun: $bun_version (.*)" <<<"$out" || fail "$label: version does not name bun $bun_version"
  grep -qx "platform: $platform" <<<"$out" || fail "$label: version does not say platform $platform"
  out=$(printf '%s' "$request" | env -i PATH=/usr/bin:/bin "$@" --credroot "$work/registry" --syslog-socket '') ||
    fail "$label: the request exited with $?"
  [ "$out" = "$response" ] || fail "$label: unexpected answer to the request"
  echo "ok: $label: --version, version ($commit), and a file backend answer"
}

for arch in "${ARCHES[@]}"; do
  file="dist/$NAME-$arch"
  machine=$(readelf -h "$file" | sed -n 's/^ *Machine: *//p')
  case $arch in
    linux-x64) [ "$machine" = "Advanced Micro Devices X86-64" ] || fail "$file is an ELF for '$machine'" ;;
    linux-arm64) [ "$machine" = "AArch64" ] || fail "$file is an ELF for '$machine'" ;;
  esac
  glibc=$(readelf -V -W "$file" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  [ "$(printf '%s\n' "${glibc#GLIBC_}" "$GLIBC_MAX" | sort -V | tail -1)" = "$GLIBC_MAX" ] ||
    fail "$file needs $glibc, more than GLIBC_$GLIBC_MAX (update the README's requirement if that is intended)"
  echo "ok: $file: $machine, needs $glibc at most, $(stat -c %s "$file") bytes"
done

check "linux-x64, native" linux-x64 "dist/$NAME-linux-x64"
check "linux-x64 under qemu -cpu Nehalem (no AVX, no AVX2)" linux-x64 qemu-x86_64-static -cpu Nehalem "dist/$NAME-linux-x64"
# The control: qemu enforces its CPU model, so the Nehalem run above means something. A Core 2
# (no SSE4.2, no POPCNT) is below what Bun's x64 runtime needs, and dies at the first such
# instruction.
status=0
{ (ulimit -c 0; exec qemu-x86_64-static -cpu core2duo "dist/$NAME-linux-x64" --version) </dev/null >/dev/null 2>&1; } 2>/dev/null || status=$?
[ "$status" = 132 ] || fail "linux-x64 under qemu -cpu core2duo: expected SIGILL (status 132), got status $status"
echo "ok: linux-x64 under qemu -cpu core2duo (no SSE4.2): killed by SIGILL, as expected"
# Cortex-A53: ARMv8.0-A, the first and plainest arm64 (no LSE atomics, no ARMv8.1+ extensions).
check "linux-arm64 under qemu -cpu cortex-a53 (ARMv8.0-A)" linux-arm64 qemu-aarch64-static -cpu cortex-a53 -L "$ARM64_SYSROOT" "dist/$NAME-linux-arm64"
