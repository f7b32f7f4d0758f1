#!/usr/bin/env bash
# Start-up benchmark of the compiled binary (the kubelet runs it once per uncached pull).
# Needs hyperfine (Debian package). Usage: npm run build && bash bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=dist/generic-credential-provider
[ -x "$bin" ] || { echo "build first: npm run build" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%s' '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"registry.example.org/org/image"}' > "$work/hit.json"
printf '%s' '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"not-here.tld/test"}' > "$work/miss.json"
export CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME=bench CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD=fake-bench-password

hyperfine --warmup 10 --runs 200 -N --export-markdown "$work/result.md" \
  -n "version" "$bin --version" \
  -n "file hit, syslog on" "sh -c '$bin --credroot examples/registry --syslog-socket /dev/log < $work/hit.json'" \
  -n "file hit" "sh -c '$bin --credroot examples/registry --syslog-socket \"\" < $work/hit.json'" \
  -n "env hit" "sh -c '$bin --backends env --syslog-socket \"\" < $work/hit.json'" \
  -n "miss (empty answer)" "sh -c '$bin --credroot examples/registry --on-miss empty --syslog-socket \"\" < $work/miss.json'" \
  -n "sh baseline" "sh -c 'true < $work/hit.json'"
cat "$work/result.md"
