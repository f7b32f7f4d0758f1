// Image reference -> registry host[:port] and repository path, by Docker's reference grammar
// (github.com/distribution/reference: regexp.go and normalize.go). The kubelet sends the
// normalised repository ("docker.io/library/nginx"); people testing by hand send tags and digests.
// Everything here is validated before any backend sees it: the host later becomes part of a
// file name, so it must be a DNS name, an IPv4 address or a bracketed IPv6 literal, nothing else.

export interface ImageTarget {
  /**
   * The repository as the kubelet sends it and matches it: host/path, without tag or digest
   * ("docker.io/library/nginx" for "nginx:1.25").
   */
  image: string;
  /** Registry host[:port] as the image spells it: the `auth` key the kubelet will match. */
  host: string;
  /** Lower-cased host[:port], for case-insensitive lookups (file names, variable names). */
  lookupHost: string;
  /** Lower-cased host without the port. */
  hostname: string;
  /** The port, or "" when the image names none. */
  port: string;
  /** True for IPv4 and bracketed IPv6 hosts, which have no domain suffixes. */
  isIp: boolean;
  /** Repository path without tag or digest ("library/nginx"). */
  path: string;
}

export class InvalidImageError extends Error {
  override name = "InvalidImageError";
}

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
/** Host names that all mean Docker Hub (containers/image normalizeRegistry, docker/cli). */
export const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set([DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, "registry-1.docker.io"]);
/** The key docker/cli stores Docker Hub credentials under (registry.IndexServer). */
export const DOCKER_HUB_SERVER_URL = "https://index.docker.io/v1/";
const NAME_TOTAL_LENGTH_MAX = 255; // distribution/reference NameTotalLengthMax
const DNS_NAME_MAX = 253;

const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const PORT = /^[0-9]+$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses an image reference. Error messages say which part is wrong but never repeat the
 * input: a mistyped reference can hold anything, a password included.
 */
export function parseImage(image: string): ImageTarget {
  if (image === "") throw new InvalidImageError("image is empty");
  let name = image;

  const at = name.indexOf("@");
  if (at !== -1) {
    if (!DIGEST.test(name.slice(at + 1))) throw new InvalidImageError("invalid digest");
    name = name.slice(0, at);
  }
  const lastColon = name.lastIndexOf(":");
  if (lastColon > name.lastIndexOf("/")) {
    if (!TAG.test(name.slice(lastColon + 1))) throw new InvalidImageError("invalid tag");
    name = name.slice(0, lastColon);
  }
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidImageError(`repository name longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }

  // Docker's rule: the first component is a registry only if it contains "." or ":", is
  // "localhost", or has an upper-case letter (which a repository path cannot have).
  const slash = name.indexOf("/");
  let host = DEFAULT_DOMAIN;
  let path = name;
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first) {
      host = first;
      path = name.slice(slash + 1);
    }
  }
  // "nginx" on Docker Hub is "library/nginx" (distribution/reference splitDockerDomain).
  const hubHost = host === DEFAULT_DOMAIN || host === LEGACY_DEFAULT_DOMAIN;
  if (hubHost && !path.includes("/")) path = `library/${path}`;

  for (const component of path.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      throw new InvalidImageError(
        component === ""
          ? "empty repository path component"
          : "repository path components must be lower-case letters and digits, " +
              "separated by '.', '_', '__' or '-'",
      );
    }
  }
  return { image: `${host}/${path}`, path, ...parseHost(host) };
}

/** Splits and validates host[:port]; exported for backends that read hosts from config. */
export function parseHost(host: string): Pick<
  ImageTarget,
  "host" | "lookupHost" | "hostname" | "port" | "isIp"
> {
  let hostname: string;
  let port = "";
  let hasPort = false;
  let isIp = false;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close === -1) throw new InvalidImageError("unterminated IPv6 literal in registry host");
    hostname = host.slice(0, close + 1);
    const after = host.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) throw new InvalidImageError("invalid registry host");
      port = after.slice(1);
      hasPort = true;
    }
    if (!isIPv6(hostname.slice(1, -1))) {
      throw new InvalidImageError("registry host is not a valid IPv6 literal");
    }
    isIp = true;
  } else {
    const colon = host.indexOf(":");
    hostname = colon === -1 ? host : host.slice(0, colon);
    if (colon !== -1) {
      port = host.slice(colon + 1);
      hasPort = true;
    }
    const v4 = IPV4.exec(hostname);
    if (v4) {
      if (v4.slice(1).some((octet) => Number(octet) > 255)) {
        throw new InvalidImageError("registry host is not a valid IPv4 address");
      }
      isIp = true;
    } else if (!isDnsName(hostname)) {
      throw new InvalidImageError(
        "registry host is not a valid DNS name, IPv4 address or bracketed IPv6 literal",
      );
    }
  }
  if (hasPort && (!PORT.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw new InvalidImageError("registry port must be a number from 1 to 65535");
  }
  const lowerHost = hostname.toLowerCase();
  return {
    host,
    hostname: lowerHost,
    port,
    isIp,
    lookupHost: port === "" ? lowerHost : `${lowerHost}:${port}`,
  };
}

function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > DNS_NAME_MAX) return false;
  return name
    .split(".")
    .every((label) => label.length <= 63 && DOMAIN_COMPONENT.test(label));
}

/** An IPv6 address as written inside brackets (no zone). */
export function isIPv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const all = [...head, ...tail];
  // An embedded IPv4 address may end the literal ("::ffff:10.0.0.1") and counts as two groups.
  let width = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes(".")) {
    const v4 = IPV4.exec(last);
    if (!v4 || v4.slice(1).some((octet) => Number(octet) > 255)) return false;
    all.pop();
    width += 1;
  }
  if (!all.every((group) => HEX_GROUP.test(group))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}
