// The kubelet's rule for whether a credential key (or a matchImages pattern) applies to an image:
// URLsMatchStr in pkg/credentialprovider/keyring.go. Both sides are parsed as "https://" + text
// (ParseSchemelessURL, Go's net/url Parse); then the ports must be equal ("host" never matches
// "host:5000/x"), the hosts must have the same number of dot-separated labels, each label must
// glob-match (filepath.Match: "*" is within one label, so "*.example.org" matches "a.example.org"
// but not "example.org" or "a.b.example.org"), and the pattern's path must be a string prefix of
// the image's path. A text Go cannot parse matches nothing, and the kubelet refuses it as a
// matchImages pattern (pkg/credentialprovider/plugin/config.go).
import { isIPv6 } from "./image.ts";

export interface SchemelessUrl {
  /** The host's dot-separated labels, without the port (brackets kept when there is no port, as net.SplitHostPort leaves them). */
  labels: string[];
  port: string;
  /** The unescaped path: "" or "/…". */
  path: string;
  /** What Go parses but a pattern never means: "user@" before the host, "?…", "#…". */
  userinfo: boolean;
  query: boolean;
  fragment: boolean;
}

export type ParsedSchemelessUrl = { ok: true; url: SchemelessUrl } | { ok: false; error: string };

/**
 * credentialprovider.ParseSchemelessURL: Go's url.Parse("https://" + text), with its errors
 * (net/url/url.go: Parse, parse, parseAuthority, parseHost, unescape), as the kubelet sees them.
 */
export function parseSchemelessUrl(text: string): ParsedSchemelessUrl {
  const fail = (error: string): ParsedSchemelessUrl => ({ ok: false, error });
  // Parse cuts the fragment first; parse() refuses control characters in the rest.
  const hash = text.indexOf("#");
  const main = hash === -1 ? text : text.slice(0, hash);
  if (/[\x00-\x1f\x7f]/.test(main)) return fail("net/url: invalid control character in URL");
  const question = main.indexOf("?");
  const rest = question === -1 ? main : main.slice(0, question);
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const rawPath = slash === -1 ? "" : rest.slice(slash);
  // parseAuthority: the host is what follows the last "@".
  const at = authority.lastIndexOf("@");
  const rawHost = at === -1 ? authority : authority.slice(at + 1);
  const hostProblem = checkHost(rawHost);
  if (hostProblem !== null) return fail(hostProblem);
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return fail("net/url: invalid userinfo");
    const escape = badEscape(userinfo, false);
    if (escape !== null) return fail(escape);
  }
  const pathEscape = badEscape(rawPath, false);
  if (pathEscape !== null) return fail(pathEscape);
  if (hash !== -1) {
    const fragmentEscape = badEscape(text.slice(hash + 1), false);
    if (fragmentEscape !== null) return fail(fragmentEscape);
  }
  const { host, port } = splitHostPort(unescape(rawHost));
  return {
    ok: true,
    url: { labels: host.split("."), port, path: unescape(rawPath), userinfo: at !== -1, query: question !== -1, fragment: hash !== -1 },
  };
}

/**
 * parseHost. Older and newer Go releases differ; a host is refused here when any of them refuses
 * it, so that what passes is accepted by every kubelet: a bracketed IPv6 literal (newer releases
 * check the address; a "[" anywhere else is an "invalid IP-literal") with an optional port, or a
 * host whose ":" starts a numeric port (newer releases take the first ":", older ones the last:
 * go.dev/issue/75223), then unescape(host, encodeHost).
 */
function checkHost(host: string): string | null {
  const open = host.lastIndexOf("[");
  if (open > 0) return "invalid IP-literal";
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close === -1) return "missing ']' in host";
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return `invalid port "${colonPort}" after host`;
    const address = unescape(host.slice(1, close).replace(/%25.*$/, ""));
    if (!isIPv6(address)) return "invalid host: not an IPv6 address in brackets";
  } else {
    const colon = host.indexOf(":");
    if (colon !== -1 && !validOptionalPort(host.slice(colon))) return `invalid port "${host.slice(colon)}" after host`;
  }
  const escape = badEscape(host, true);
  if (escape !== null) return escape;
  // unescape(host, encodeHost): ASCII other than letters, digits and !$&'()*+,;=:[]<>"-_.~ is refused.
  const invalid = /[^A-Za-z0-9!$&'()*+,;=:[\]<>"\-_.~%\x80-\uffff]/.exec(host);
  return invalid === null ? null : `invalid character "${invalid[0]}" in host name`;
}

function validOptionalPort(colonPort: string): boolean {
  return colonPort === "" || /^:[0-9]*$/.test(colonPort);
}

/** unescape's "%" rule: two hex digits; in a host, only "%25" or an escape of a non-ASCII byte. */
function badEscape(text: string, inHost: boolean): string | null {
  for (let i = text.indexOf("%"); i !== -1; i = text.indexOf("%", i + 3)) {
    const escape = text.slice(i, i + 3);
    if (!/^%[0-9A-Fa-f]{2}$/.test(escape)) return `invalid URL escape "${escape}"`;
    if (inHost && escape !== "%25" && Number.parseInt(escape.slice(1, 2), 16) < 8) return `invalid URL escape "${escape}"`;
  }
  return null;
}

function unescape(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // bytes that are not UTF-8: no image (ASCII only) can match them anyway
  }
}

/** net.SplitHostPort, falling back to (whole, "") when there is no port, as the kubelet does. */
function splitHostPort(authority: string): { host: string; port: string } {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(authority);
  if (bracketed) return { host: bracketed[1] ?? "", port: bracketed[2] ?? "" };
  const plain = /^([^:[\]]*):([^:]*)$/.exec(authority);
  if (plain) return { host: plain[1] ?? "", port: plain[2] ?? "" };
  return { host: authority, port: "" };
}

/** Go's path/filepath.Match for one label (no separators occur inside a label). */
function globMatch(pattern: string, text: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) return false; // Go: ErrBadPattern, which the kubelet treats as no match
      let body = pattern.slice(i + 1, close);
      if (body.startsWith("^")) body = `^${body.slice(1)}`;
      source += `[${body.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else if (c === "\\") {
      const next = pattern[++i];
      if (next === undefined) return false;
      source += next.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`).test(text);
  } catch {
    return false;
  }
}

/** True when the kubelet would use credentials stored under `pattern` for `image`. */
export function urlsMatch(pattern: string, image: string): boolean {
  const glob = parseSchemelessUrl(pattern);
  const target = parseSchemelessUrl(image);
  if (!glob.ok || !target.ok) return false;
  const [g, t] = [glob.url, target.url];
  if (g.port !== t.port) return false;
  if (g.labels.length !== t.labels.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return g.labels.every((label, i) => globMatch(label, t.labels[i] as string));
}

/**
 * Why the kubelet's matcher never matches a matchImages pattern as it is written, or null when
 * it can. The kubelet refuses only what Go cannot parse; the rest it accepts and then never
 * matches, or matches as something else: a scheme ("https://x" is the host "https:" with the path
 * "//x"), user information, a query or fragment (dropped: "a?b" is "a"), an empty host or label,
 * or a path that no image has (a path is a literal prefix, never a glob: "*.example.org/*" matches
 * nothing, and image paths are lower case: Docker's repository grammar).
 */
export function matchImageProblem(pattern: string): string | null {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(pattern)) return "has a scheme (such as https://): a pattern is host[:port][/path]";
  const parsed = parseSchemelessUrl(pattern);
  if (!parsed.ok) return `cannot be parsed by the kubelet (${parsed.error})`;
  const { url } = parsed;
  if (url.userinfo) return "has user information (user@): a pattern is host[:port][/path]";
  if (url.query || url.fragment) return "has a '?' or '#', after which the kubelet ignores the rest (in a host label, '?' is not a glob)";
  if (url.labels.length === 1 && url.labels[0] === "") return "has no host";
  if (url.labels.some((label) => label === "")) return "has an empty host label";
  if (!/^(\/[a-z0-9._-]*)*$/.test(url.path)) {
    return "has a path no image has: a path is a literal prefix (never a glob) of lower-case letters, digits, '.', '_', '-' and '/'";
  }
  return null;
}
