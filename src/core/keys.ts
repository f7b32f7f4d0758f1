// Credential keys ("registry.example.org", "https://registry.example.org/v1/", "host:5000/team")
// are read by two sets of rules that differ on purpose, and both live here so the difference is
// in one place (test/keys.test.ts has a table of the inputs on which they disagree):
//
// - keyringKey: how the kubelet files a key of a provider's `auth` answer in its keyring
//   (pkg/credentialprovider/keyring.go, BasicDockerKeyring.Add). It keeps the case and the host as
//   written ("index.docker.io" stays itself), drops only a leading "/v1/" or "/v2/" path, and
//   keeps a trailing "/" on a namespace. We use it to predict which keys the kubelet will match.
// - dockerConfigKey: how docker/cli and containers/image read a key of a config.json or auth.json
//   (configfile ConvertToHostname, containers/image normalizeAuthFileKey): case-insensitive
//   hosts, every Docker Hub alias is "docker.io", "/v1" and "/v2" (with or without a trailing
//   "/") and trailing slashes are dropped, and a key whose host is not a host is no key at all.
import { DOCKER_HUB_HOSTS, parseHost } from "./image.ts";

/** The kubelet's keyring key for a location: scheme stripped, a leading "/v1/" or "/v2/" dropped. */
export function keyringKey(location: string): string {
  const afterScheme = location.replace(/^https?:\/\//, "");
  const slash = afterScheme.indexOf("/");
  const host = slash === -1 ? afterScheme : afterScheme.slice(0, slash);
  let path = slash === -1 ? "" : afterScheme.slice(slash);
  if (path.startsWith("/v2/") || path.startsWith("/v1/")) path = path.slice(3);
  return path.length > 0 && path !== "/" ? host + path : host;
}

/**
 * A config-file key as registry (lower-case host[:port], Docker Hub as "docker.io") and namespace
 * path ("" or "/team/app"); null when its host is not a valid host.
 */
export function dockerConfigKey(key: string): { registry: string; path: string } | null {
  // Without regular expressions: a docker config can hold thousands of keys, each read here.
  const scheme = key.slice(0, 8).toLowerCase(); // /^https?:\/\//i
  const rest = scheme.startsWith("https://") ? key.slice(8) : scheme.startsWith("http://") ? key.slice(7) : key;
  const slash = rest.indexOf("/");
  const host = slash === -1 ? rest : rest.slice(0, slash);
  let end = rest.length;
  while (slash !== -1 && end > slash && rest[end - 1] === "/") end--; // /\/+$/
  let path = slash === -1 ? "" : rest.slice(slash, end);
  if (path === "/v1" || path === "/v2") path = "";
  else if (path.startsWith("/v1/") || path.startsWith("/v2/")) path = path.slice(3);
  let lookupHost: string;
  try {
    lookupHost = parseHost(host).lookupHost;
  } catch {
    return null;
  }
  return { registry: DOCKER_HUB_HOSTS.has(lookupHost) ? "docker.io" : lookupHost, path };
}
