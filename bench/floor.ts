// The floor of the benchmark (bench/bench.ts): the least a compiled Bun program can do for a
// request. It reads stdin as the provider does (readFileSync(0)) and prints a fixed response,
// built by scripts/build.sh with the provider's own flags and Bun. Nothing that starts this
// runtime can answer faster, so each case is reported as a ratio to it.
import { readFileSync, writeSync } from "node:fs";

readFileSync(0);
writeSync(
  1,
  '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Registry","auth":{"registry.example.org":{"username":"bench-user","password":"bench-password"}}}\n',
);
