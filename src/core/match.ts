// The kubelet's rule for whether a credential key (or a matchImages pattern) applies to an image:
// URLsMatchStr in pkg/credentialprovider/keyring.go. Both sides are parsed as "https://" + text;
// then the ports must be equal ("host" never matches "host:5000/x"), the hosts must have the same
// number of dot-separated labels, each label must glob-match (filepath.Match: "*" is within one
// label, so "*.example.org" matches "a.example.org" but not "example.org" or "a.b.example.org"),
// and the pattern's path must be a string prefix of the image's path.

interface SchemelessUrl {
  labels: string[];
  port: string;
  path: string;
}

function parseSchemeless(text: string): SchemelessUrl | null {
  // Go's url.Parse keeps the host's case and any port as written, so the text is split by hand.
  const authority = /^[^/?#]*/.exec(text)?.[0] ?? "";
  const rawPath = text.slice(authority.length).replace(/[?#].*$/, "");
  let path: string;
  try {
    path = decodeURIComponent(rawPath); // url.URL.Path is the unescaped path
  } catch {
    return null; // a bad escape: url.Parse fails, and the kubelet counts that as no match
  }
  const { host, port } = splitHostPort(authority);
  return { labels: host.split("."), port, path };
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
  const glob = parseSchemeless(pattern);
  const target = parseSchemeless(image);
  if (!glob || !target) return false;
  if (glob.port !== target.port) return false;
  if (glob.labels.length !== target.labels.length) return false;
  if (!target.path.startsWith(glob.path)) return false;
  return glob.labels.every((label, i) => globMatch(label, target.labels[i] as string));
}
