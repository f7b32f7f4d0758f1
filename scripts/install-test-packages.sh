#!/usr/bin/env bash
# Debian packages the tests use as real components: a registry with htpasswd authentication
# (docker-registry, apache2-utils), clients that log in and push to it (skopeo, and podman, whose
# rootful `podman login` needs neither uidmap nor a daemon), a container runtime that pulls from it
# through the kubelet's CRI (containerd), a test CA for it over TLS (openssl), real credential
# helpers (golang-docker-credential-helpers with pass and gnupg), and setpriv, unshare and nsenter
# (util-linux). For the container image (npm run image and its tests): the arm64 glibc it ships
# (libc6-arm64-cross), runc for podman to run it with, and qemu-user-static to run its arm64 binary.
# For the smoke test of the release executables (scripts/check-release.sh): qemu-user-static to run
# them on other CPUs, libc6-arm64-cross for the arm64 loader and libc, binutils for readelf.
# Needs root.
set -euo pipefail
packages=(util-linux docker-registry apache2-utils skopeo podman containerd openssl golang-docker-credential-helpers pass gnupg
  runc libc6-arm64-cross qemu-user-static binutils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
