// The variables an `env` backend reads: <prefix><KEY>_USERNAME, _PASSWORD and _DURATION. One rule
// for the backend, which lists them in `check`, and for the registry, which keeps them from every
// child (backends/registry.ts, withoutOwnSecrets): the two must never disagree on what is a secret.

/** Whether `name` is one of the credential variables of an `env` backend with this prefix. */
export function isCredentialVariable(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && (name.endsWith("_USERNAME") || name.endsWith("_PASSWORD") || name.endsWith("_DURATION"));
}
