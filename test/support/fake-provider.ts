// Fake kubelet credential providers for the exec backend: shell scripts in a temp directory.
import { putScript } from "./files.ts";

/** A provider running `body` under /bin/sh, as dir/fake-provider. */
export function fakeProvider(dir: string, body: string): string {
  return putScript(dir, "fake-provider", body);
}

/**
 * A provider that saves its request to dir/request.json, runs `before`, and answers with the
 * apiVersion it was sent plus `response` (the rest of a CredentialProviderResponse).
 */
export function echoingProvider(dir: string, response: Record<string, unknown>, before = ""): string {
  const json = JSON.stringify({ apiVersion: "@V@", kind: "CredentialProviderResponse", ...response });
  return fakeProvider(
    dir,
    [
      "req=$(cat)",
      `printf '%s' "$req" > '${dir}/request.json'`,
      before,
      `v=$(printf '%s' "$req" | sed -n 's/.*"apiVersion":"\\([^"]*\\)".*/\\1/p')`,
      "cat <<EOF",
      json.replace("@V@", "$v"),
      "EOF",
    ].join("\n"),
  );
}
