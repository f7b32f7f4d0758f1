import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { defaultConfigFiles } from "../backends/docker-config.ts";
import { BackendError, BackendOptionsError } from "../backends/types.ts";
import { kubeletChoice } from "./support/kubelet.ts";
import { parseImage } from "../src/core/image.ts";
import { put as putFile } from "./support/files.ts";
import { makeBackend, recordLookup, recordingContext } from "./support/context.ts";
import { fakeHelpers, type FakeHelpers } from "./support/fake-helpers.ts";
import { waitUntilGone } from "./support/processes.ts";
import { createPassStore, type PassStore } from "./support/pass-store.ts";

const SECRET = "docker-config-secret-do-not-print";
let fakes: FakeHelpers;
let dir: string;

beforeEach(() => {
  fakes = fakeHelpers("gcp-docker-config-");
  dir = fakes.dir;
});
afterEach(() => fakes.remove());

const b64 = (text: string) => Buffer.from(text).toString("base64");
/** An auths entry as `docker login` and `podman login` write it. */
const login = (user: string, password = SECRET) => ({ auth: b64(`${user}:${password}`) });

/** Writes a config file under the temp dir (a string is written as is) and returns its path. */
const put = (name: string, content: unknown) => putFile(dir, name, content);

const fake = (name: string, script: string) => fakes.fake(name, script);
const answering = (user: string) =>
  `cat > "$FAKE_DIR/stdin"; printf '{"ServerURL":"x","Username":"${user}","Secret":"%s"}' "$FAKE_SECRET"`;

const testEnv = (extra: Record<string, string> = {}) => fakes.env(SECRET, extra);

async function lookup(image: string, options: Record<string, unknown>, env = testEnv()) {
  const context = recordingContext(env);
  const result = await recordLookup(makeBackend("docker-config", "docker-config", options, context), context, image, SECRET);
  return { ...result, warnings: result.messages.filter((m) => m.startsWith("warn:")) };
}

interface Case {
  name: string;
  config: unknown;
  /** The image as the kubelet sends it. */
  image: string;
  /** Expected auth: key -> username (password SECRET unless `passwords`), or null for a miss. */
  auth?: Record<string, string> | null;
  passwords?: Record<string, string>;
  /** Images of the same registry -> the username the kubelet would pick (default: `image` -> the only one). */
  choose?: Record<string, string | null>;
  /** A broken source: the warning's reason. */
  broken?: RegExp;
  warn?: RegExp;
}

const CASES: Case[] = [
  // --- what `docker login` writes (~/.docker/config.json)
  {
    name: "docker login: host key",
    config: { auths: { "registry.example.org": login("alice") } },
    image: "registry.example.org/team/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    name: "docker login: host and port",
    config: { auths: { "registry.example.org:5000": login("alice") } },
    image: "registry.example.org:5000/app",
    auth: { "registry.example.org:5000": "alice" },
  },
  {
    name: "a host:port key does not serve the host without port",
    config: { auths: { "registry.example.org:5000": login("alice") } },
    image: "registry.example.org/app",
    auth: null,
  },
  {
    name: "a host key does not serve the host with a port (the kubelet wants equal ports)",
    config: { auths: { "registry.example.org": login("alice") } },
    image: "registry.example.org:5000/app",
    auth: null,
  },
  {
    name: "docker login to Docker Hub: https://index.docker.io/v1/",
    config: { auths: { "https://index.docker.io/v1/": login("hubuser") } },
    image: "docker.io/library/nginx",
    auth: { "docker.io": "hubuser" },
  },
  {
    name: "docker login beside a credsStore leaves an empty entry: not a match",
    config: { auths: { "registry.example.org": {} } },
    image: "registry.example.org/app",
    auth: null,
  },
  {
    name: "docker login to a token registry: auth 'user:' plus identitytoken is skipped with a warning",
    config: { auths: { "registry.example.org": { auth: b64("alice:"), identitytoken: SECRET } } },
    image: "registry.example.org/app",
    auth: null,
    warn: /: auths entry 1 holds only an identity or registry token/,
  },
  {
    name: "other top-level keys docker writes are allowed",
    config: {
      auths: { "registry.example.org": login("alice") },
      psFormat: "table {{.ID}}",
      currentContext: "default",
      plugins: { buildx: { default: "true" } },
      proxies: { default: { httpProxy: "http://proxy:3128" } },
      detachKeys: "ctrl-e,e",
      HttpHeaders: { "User-Agent": "x" },
      aliases: { builder: "buildx" },
    },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  // --- what `podman login` writes (auth.json)
  {
    name: "podman login to Docker Hub: docker.io",
    config: { auths: { "docker.io": login("podman") } },
    image: "docker.io/library/nginx",
    auth: { "docker.io": "podman" },
  },
  {
    name: "podman login with a repository namespace only",
    config: { auths: { "quay.io/org/repo": login("repo") } },
    image: "quay.io/org/repo",
    auth: { "quay.io/org/repo": "repo" },
    choose: { "quay.io/org/repo": "repo", "quay.io/org/other": null },
  },
  {
    name: "namespaces: every key of the registry, the kubelet picks the most specific",
    config: {
      auths: {
        "registry.example.org": login("base"),
        "registry.example.org/team": login("team"),
        "registry.example.org/team/special": login("special"),
        "other.example.org/team": login("other"),
        "registry.example.org:5000/team": login("port"),
      },
    },
    image: "registry.example.org/team/app",
    auth: {
      "registry.example.org": "base",
      "registry.example.org/team": "team",
      "registry.example.org/team/special": "special",
    },
    choose: {
      "registry.example.org/team/app": "team",
      "registry.example.org/team/special/app": "special",
      "registry.example.org/elsewhere/app": "base",
    },
  },
  {
    name: "Docker Hub namespaces are emitted under docker.io",
    config: { auths: { "https://index.docker.io/v1/": login("hub"), "docker.io/myorg": login("myorg") } },
    image: "docker.io/myorg/app",
    auth: { "docker.io": "hub", "docker.io/myorg": "myorg" },
    choose: { "docker.io/myorg/app": "myorg", "docker.io/library/nginx": "hub" },
  },
  // --- key spellings and hand edits
  {
    name: "https URL with /v1/",
    config: { auths: { "https://registry.example.org/v1/": login("alice") } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    name: "http URL",
    config: { auths: { "http://registry.example.org": login("alice") } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    name: "https URL with port and /v2/",
    config: { auths: { "https://registry.example.org:5000/v2/": login("alice") } },
    image: "registry.example.org:5000/app",
    auth: { "registry.example.org:5000": "alice" },
  },
  {
    name: "a trailing slash",
    config: { auths: { "registry.example.org/": login("alice") } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    name: "an https URL with a namespace keeps the namespace",
    config: { auths: { "https://registry.example.org/v2/team/": login("team") } },
    image: "registry.example.org/team/app",
    auth: { "registry.example.org/team": "team" },
  },
  {
    name: "hosts compare case-insensitively; keys use the image's own spelling",
    config: { auths: { "REGISTRY.Example.org": login("alice") } },
    image: "Registry.Example.ORG/app",
    auth: { "Registry.Example.ORG": "alice" },
  },
  {
    name: "Docker Hub alias index.docker.io",
    config: { auths: { "index.docker.io": login("hub") } },
    image: "docker.io/library/nginx",
    auth: { "docker.io": "hub" },
  },
  {
    name: "Docker Hub alias registry-1.docker.io",
    config: { auths: { "https://registry-1.docker.io": login("hub") } },
    image: "docker.io/library/nginx",
    auth: { "docker.io": "hub" },
  },
  {
    name: "a Hub image named registry-1.docker.io gets its key spelled so (the kubelet matches no docker.io key to it)",
    config: { auths: { "https://index.docker.io/v1/": login("hub"), "docker.io/myorg": login("myorg") } },
    image: "registry-1.docker.io/myorg/app",
    auth: { "registry-1.docker.io": "hub", "registry-1.docker.io/myorg": "myorg" },
    choose: { "registry-1.docker.io/myorg/app": "myorg", "registry-1.docker.io/library/nginx": "hub" },
  },
  {
    name: "a Hub image named index.docker.io gets an index.docker.io key",
    config: { auths: { "docker.io": login("hub") } },
    image: "index.docker.io/library/nginx",
    auth: { "index.docker.io": "hub" },
  },
  {
    name: "Docker Hub keys do not serve other registries",
    config: { auths: { "https://index.docker.io/v1/": login("hub") } },
    image: "registry.example.org/app",
    auth: null,
  },
  {
    name: "the key spelled as the registry wins over an URL for the same registry",
    config: { auths: { "https://registry.example.org/v1/": login("url"), "registry.example.org": login("exact") } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "exact" },
  },
  {
    name: "Docker's own Hub key wins over an alias",
    config: { auths: { "index.docker.io": login("alias"), "https://index.docker.io/v1/": login("docker") } },
    image: "docker.io/library/nginx",
    auth: { "docker.io": "docker" },
  },
  {
    name: "an empty entry does not hide another spelling that has credentials",
    config: { auths: { "registry.example.org": {}, "https://registry.example.org": login("alice") } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    name: "IPv6 literal with port",
    config: { auths: { "[::1]:5000": login("v6") } },
    image: "[::1]:5000/app",
    auth: { "[::1]:5000": "v6" },
  },
  {
    name: "keys that are not hosts are ignored",
    config: { auths: { "not a host!": login("junk"), "registry.example.org": login("alice") } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  // --- entry fields
  {
    name: "auth without base64 padding",
    config: { auths: { "registry.example.org": { auth: b64(`bob:${SECRET}x`).replace(/=+$/, "") } } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "bob" },
    passwords: { "registry.example.org": `${SECRET}x` },
  },
  {
    name: "auth is split at the first colon",
    config: { auths: { "registry.example.org": login("carol", `pa:ss:${SECRET}`) } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "carol" },
    passwords: { "registry.example.org": `pa:ss:${SECRET}` },
  },
  {
    name: "NUL padding at both ends of the password is trimmed (strings.Trim), the user name is kept",
    config: { auths: { "registry.example.org": { auth: b64(`alice:\0\0${SECRET}\0\0\0`) } } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    name: "NULs inside the password stay",
    config: { auths: { "registry.example.org": { auth: b64(`alice:a\0b\0`) } } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
    passwords: { "registry.example.org": "a\0b" },
  },
  {
    name: "username and password fields are taken as written (docker/cli trims only the decoded auth)",
    config: { auths: { "registry.example.org": { username: "fields", password: `${SECRET}\0` } } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "fields" },
    passwords: { "registry.example.org": `${SECRET}\0` },
  },
  {
    name: "auth wins over username and password",
    config: { auths: { "registry.example.org": { ...login("fromauth"), username: "fields", password: "other" } } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "fromauth" },
  },
  {
    name: "username and password fields (hand edit)",
    config: { auths: { "registry.example.org": { username: "fields", password: SECRET } } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "fields" },
  },
  {
    name: "legacy email and serveraddress fields are ignored",
    config: {
      auths: { "registry.example.org": { ...login("alice"), email: "a@example.org", serveraddress: "registry.example.org" } },
    },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    name: "an entry with only an email is not a match",
    config: { auths: { "registry.example.org": { email: "a@example.org" } } },
    image: "registry.example.org/app",
    auth: null,
  },
  {
    name: "identitytoken only: skipped with a warning",
    config: { auths: { "registry.example.org": { identitytoken: SECRET } } },
    image: "registry.example.org/app",
    auth: null,
    warn: /holds only an identity or registry token, which the kubelet cannot use; skipped/,
  },
  {
    name: "registrytoken only: skipped with a warning",
    config: { auths: { "registry.example.org": { registrytoken: SECRET } } },
    image: "registry.example.org/app",
    auth: null,
    warn: /holds only an identity or registry token/,
  },
  {
    name: "a token entry for a namespace does not hide the registry's credentials",
    config: { auths: { "registry.example.org": login("alice"), "registry.example.org/team": { identitytoken: SECRET } } },
    image: "registry.example.org/team/app",
    auth: { "registry.example.org": "alice" },
    choose: { "registry.example.org/team/app": "alice" },
    warn: /: auths entry 2 holds only/,
  },
  {
    name: "JSON nulls read as absent (Go's decoder)",
    config: { auths: { "registry.example.org": null }, credHelpers: null, credsStore: null },
    image: "registry.example.org/app",
    auth: null,
  },
  { name: "an empty file is an empty configuration", config: "", image: "registry.example.org/app", auth: null },
  { name: "an empty object", config: {}, image: "registry.example.org/app", auth: null },
  {
    name: "a broken entry for another registry does not break this one",
    config: { auths: { "other.example.org": { auth: "!!!" }, "registry.example.org": login("alice") } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  // --- broken files
  {
    name: "invalid JSON: line and column, no content",
    config: `{\n  "auths": {\n    "registry.example.org": { "auth": "${b64(`a:${SECRET}`)}" }\n  \n`,
    image: "registry.example.org/app",
    broken: /invalid JSON at line 5, column 1: unexpected end of input/,
  },
  {
    name: "a secret in the wrong place in invalid JSON is not quoted",
    config: `{"auths": {"registry.example.org": {"password": ${SECRET}}}}`,
    image: "registry.example.org/app",
    broken: /invalid JSON at line 1, column 49: unexpected character$/,
  },
  {
    name: "auths of the wrong type",
    config: { auths: ["registry.example.org"] },
    image: "registry.example.org/app",
    broken: /field "auths" must be a JSON object/,
  },
  {
    name: "credHelpers of the wrong type",
    config: { credHelpers: { "registry.example.org": 1 } },
    image: "registry.example.org/app",
    broken: /field "credHelpers.<key 1>" must be a string$/,
  },
  {
    name: "credsStore of the wrong type",
    config: { credsStore: true },
    image: "registry.example.org/app",
    broken: /field "credsStore" must be a string/,
  },
  {
    name: "a password of the wrong type",
    config: { auths: { "registry.example.org": { username: "alice", password: 12345 } } },
    image: "registry.example.org/app",
    broken: /field "auths.<key 1>.password" must be a string$/,
  },
  {
    // Go's decoder ignores fields AuthConfig does not have, whatever their type, and takes null as absent.
    name: "unknown fields of any type, and null fields, are ignored",
    config: { auths: { "old.example.org": null, "registry.example.org": { ...login("alice"), note: 1, labels: { a: [1] }, identitytoken: null } } },
    image: "registry.example.org/app",
    auth: { "registry.example.org": "alice" },
  },
  {
    // The first wrong field in docker/cli's AuthConfig order, not the file's: one message for one file.
    name: "two fields of the wrong type, and an unknown one",
    config: { auths: { "registry.example.org": { note: 1, password: 12345, auth: false } } },
    image: "registry.example.org/app",
    broken: /field "auths.<key 1>.auth" must be a string$/,
  },
  {
    name: "a later entry of the wrong type is named by its position",
    config: { auths: { "a.example.org": login("alice"), "b.example.org": null, "registry.example.org": { username: ["alice"] } } },
    image: "registry.example.org/app",
    broken: /field "auths.<key 3>.username" must be a string$/,
  },
  {
    name: "an entry of the wrong type",
    config: { auths: { "registry.example.org": [login("alice")] } },
    image: "registry.example.org/app",
    broken: /field "auths.<key 1>" must be a JSON object$/,
  },
  {
    name: "an array is not a configuration",
    config: [{ auths: { "registry.example.org": login("alice") } }],
    image: "registry.example.org/app",
    broken: /the document must be a JSON object/,
  },
  {
    name: "the document is not an object",
    config: `"${SECRET}"`,
    image: "registry.example.org/app",
    broken: /the document must be a JSON object/,
  },
  {
    name: "auth that is not base64",
    config: { auths: { "registry.example.org": { auth: `${SECRET}!` } } },
    image: "registry.example.org/app",
    broken: /: auths entry 1: "auth" is not valid base64$/,
  },
  {
    name: "auth without a colon",
    config: { auths: { "registry.example.org": { auth: b64(SECRET) } } },
    image: "registry.example.org/app",
    broken: /: auths entry 1: "auth" does not decode to user:password$/,
  },
];

describe("docker-config backend: config files as docker login, podman login and people write them", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const path = put("config.json", c.config);
      const { hit, error, warnings } = await lookup(c.image, { files: [path] });
      if (c.broken) {
        expect(hit).toBeNull();
        expect(error).toBeInstanceOf(BackendError);
        expect(error?.message).toBe(`no credentials for ${parseImage(c.image).host}, and broken sources were skipped: ${path}`);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toStartWith(`warn: docker-config: ${path}: `);
        expect(warnings[0]).toMatch(c.broken);
        return;
      }
      expect(error).toBeNull();
      if (c.warn) expect(warnings.some((w) => c.warn?.test(w))).toBe(true);
      else expect(warnings).toEqual([]);
      if (c.auth === null || c.auth === undefined) {
        expect(hit).toBeNull();
        return;
      }
      const expected = Object.fromEntries(
        Object.entries(c.auth).map(([key, username]) => [key, { username, password: c.passwords?.[key] ?? SECRET }]),
      );
      expect(hit).toEqual({
        auth: expected,
        source: `docker-config ${path}`,
        cacheDuration: undefined, // the global default applies
        partial: undefined,
      });
      const only = Object.values(c.auth);
      const choose = c.choose ?? { [c.image]: only.length === 1 ? (only[0] ?? null) : null };
      for (const [image, username] of Object.entries(choose)) {
        expect({ image, username: kubeletChoice(hit?.auth ?? {}, image) }).toEqual({ image, username });
      }
    });
  }
});

describe("docker-config backend: ~/.dockercfg, the legacy format", () => {
  const legacy = (content: unknown) => put("home/.dockercfg", content);

  test("a top-level map of keys, no auths wrapper; URL keys as docker login wrote them", async () => {
    const path = legacy({
      "https://index.docker.io/v1/": { ...login("hub"), email: "hub@example.org" },
      "http://registry.example.org/v1/": login("alice"),
      "registry.example.org:5000": login("port"),
    });
    expect((await lookup("nginx", { files: [path] })).hit?.auth).toEqual({ "docker.io": { username: "hub", password: SECRET } });
    const { hit } = await lookup("registry.example.org/team/app", { files: [path] });
    expect(hit).toEqual({ auth: { "registry.example.org": { username: "alice", password: SECRET } }, source: `docker-config ${path}`, cacheDuration: undefined, partial: undefined });
    expect((await lookup("registry.example.org:5000/app", { files: [path] })).hit?.auth["registry.example.org:5000"]?.username).toBe("port");
  });

  test("a key's path is dropped (containers/image normalizeAuthFileKey: legacy keys are registries)", async () => {
    const path = legacy({ "registry.example.org/team": login("team") });
    const { hit } = await lookup("registry.example.org/other/app", { files: [path] });
    expect(hit?.auth).toEqual({ "registry.example.org": { username: "team", password: SECRET } });
  });

  test("the same text under another name is a config.json: no auths, no entry", async () => {
    const path = put("config.json", { "registry.example.org": login("alice") });
    expect((await lookup("registry.example.org/app", { files: [path] })).hit).toBeNull();
  });

  test("entries are named by position, without their keys", async () => {
    const path = legacy({ "ok.example.org": login("ok"), "registry.example.org": { auth: `${SECRET}!` } });
    const { error, warnings } = await lookup("registry.example.org/app", { files: [path] });
    expect(warnings).toEqual([`warn: docker-config: ${path}: entry 2: "auth" is not valid base64`]);
    expect(error?.message).toBe(`no credentials for registry.example.org, and broken sources were skipped: ${path}`);
    const wrongType = legacy({ "ok.example.org": login("ok"), "registry.example.org": "text" });
    expect((await lookup("registry.example.org/app", { files: [wrongType] })).warnings).toEqual([
      `warn: docker-config: ${wrongType}: field "<key 2>" must be a JSON object`,
    ]);
  });

  test("NUL padding is trimmed here too", async () => {
    const path = legacy({ "registry.example.org": { auth: b64(`alice:${SECRET}\0\0`) } });
    expect((await lookup("registry.example.org/app", { files: [path] })).hit?.auth["registry.example.org"]?.password).toBe(SECRET);
  });
});

describe("docker-config backend: what messages may say", () => {
  test("keys of a docker config file and helper names never reach a message", async () => {
    const MARK = "quoted-from-the-file";
    fake(MARK, `echo "credentials not found in native keychain"; exit 1`);
    fake(`${MARK}-tok`, `printf '{"ServerURL":"x","Username":"<token>","Secret":"%s"}' "$FAKE_SECRET"`);
    const files = [
      put("tokens.json", {
        auths: {
          [`registry.example.org/${MARK}`]: { identitytoken: SECRET },
          [`https://registry.example.org/v1/${MARK}/`]: { auth: b64(`${MARK}:`), registrytoken: SECRET },
          [`${MARK}.example.org`]: login(MARK),
        },
      }),
      put("helpers.json", { credHelpers: { [`${MARK}.example.org`]: MARK, "registry.example.org": MARK } }),
      put("token-store.json", { credsStore: `${MARK}-tok` }),
      put("junk.json", { credHelpers: { [MARK]: 1 } }),
      put("missing.json", { credHelpers: { "registry.example.org": `${MARK}-missing` } }),
      put("broken.json", { auths: { [`registry.example.org/${MARK}`]: { auth: `${MARK}!` } } }),
      put("store.json", { auths: { [`registry.example.org/${MARK}`]: login(MARK) }, credsStore: MARK }),
    ];
    const { error, messages } = await lookup(`registry.example.org/${MARK}/app`, { files });
    expect(messages.length).toBeGreaterThan(10);
    expect(messages.filter((m) => m.includes(MARK))).toEqual([]);
    expect(error?.message ?? "").not.toContain(MARK);
  });

  test("a file whose entries are all tokens or empty has no entry: the next file answers", async () => {
    const first = put("first.json", { auths: { "registry.example.org": { identitytoken: SECRET }, "https://registry.example.org": {} } });
    const second = put("second.json", { auths: { "registry.example.org": login("second") } });
    const { hit, warnings, messages } = await lookup("registry.example.org/app", { files: [first, second] });
    expect(hit?.source).toBe(`docker-config ${second}`);
    expect(warnings).toEqual([
      `warn: docker-config: ${first}: auths entry 1 holds only an identity or registry token, which the kubelet cannot use; skipped`,
    ]);
    expect(messages).toContain(`debug: docker-config: ${first} has no credentials for registry.example.org`);
  });
});

describe("docker-config backend: options", () => {
  const create = (options: unknown) => () => makeBackend("docker-config", "dc", options, recordingContext());

  test("defaults, canonical durations and rejected values", async () => {
    const path = put("config.json", { auths: { "registry.example.org": login("alice") } });
    expect((await lookup("registry.example.org/app", { files: [path], cacheDuration: "90s" })).hit?.cacheDuration).toBe("1m30s");
    expect((await lookup("registry.example.org/app", { files: [path], cacheDuration: "0s" })).hit?.cacheDuration).toBe("0s");
    expect(create({ file: [path] })).toThrow('backend "dc": unknown field "file"');
    expect(create({ files: "a.json" })).toThrow('field "files" must be an array');
    expect(create({ files: ["relative/config.json"] })).toThrow("must be an absolute path");
    expect(create({ cacheDuration: "5 minutes" })).toThrow("is not a Go duration");
    expect(create({ cacheDuration: "-5m" })).toThrow("must not be negative");
    expect(create({ helperTimeout: "0s" })).toThrow("must be greater than zero");
    expect(create(undefined)).not.toThrow();
    expect(() => makeBackend("docker-config", "dc", {}, recordingContext())).not.toThrow(BackendOptionsError);
  });
});

describe("docker-config backend: sources", () => {
  /** An account for defaultConfigFiles that records what it was asked. */
  const account = (uid: number, home: string | null) => {
    const asked: string[] = [];
    return {
      asked,
      uid: () => (asked.push("uid"), uid),
      home: () => (asked.push("home"), home),
    };
  };

  test("the default file list: containers/image's order, then the kubelet's old paths", () => {
    const root = account(0, "/root");
    expect(
      defaultConfigFiles({ DOCKER_CONFIG: "/etc/docker-config", HOME: "/home/k", XDG_RUNTIME_DIR: "/run/user/0", XDG_CONFIG_HOME: "/xdg" }, root),
    ).toEqual([
      "/run/user/0/containers/auth.json",
      "/xdg/containers/auth.json",
      "/etc/docker-config/config.json",
      "/home/k/.dockercfg",
      "/var/lib/kubelet/config.json",
      "/.docker/config.json",
    ]);
    // The account was not needed: XDG_RUNTIME_DIR and HOME are set.
    expect(root.asked).toEqual([]);
    // Without XDG_RUNTIME_DIR: /run/containers/<our uid>/auth.json, where podman login writes as root.
    expect(defaultConfigFiles({ HOME: "/home/k" }, account(1000, null))).toEqual([
      "/run/containers/1000/auth.json",
      "/home/k/.config/containers/auth.json",
      "/home/k/.docker/config.json",
      "/home/k/.dockercfg",
      "/var/lib/kubelet/config.json",
      "/.docker/config.json",
    ]);
  });

  test("REGISTRY_AUTH_FILE is the only containers file read when it is set (containers/image >= 5.24)", () => {
    const root = account(0, "/root");
    expect(defaultConfigFiles({ REGISTRY_AUTH_FILE: "/etc/auth.json", HOME: "/root", DOCKER_CONFIG: "/d", XDG_RUNTIME_DIR: "/run/user/0" }, root)).toEqual([
      "/etc/auth.json",
      "/var/lib/kubelet/config.json",
      "/.docker/config.json",
    ]);
    expect(defaultConfigFiles({ REGISTRY_AUTH_FILE: "/etc/auth.json" }, root)).toEqual(["/etc/auth.json", "/var/lib/kubelet/config.json", "/.docker/config.json"]);
    expect(root.asked).toEqual([]);
  });

  test("no HOME: the home directory of our user in the password database, asked once and only then", () => {
    const root = account(0, "/root");
    expect(defaultConfigFiles({}, root)).toEqual([
      "/run/containers/0/auth.json",
      "/root/.config/containers/auth.json",
      "/root/.docker/config.json",
      "/root/.dockercfg",
      "/var/lib/kubelet/config.json",
      "/.docker/config.json",
    ]);
    expect(root.asked).toEqual(["uid", "home"]);
    // An empty HOME is no HOME (os.Getenv(x) == ""); the variables that name a file need no home.
    const other = account(0, "/root");
    expect(defaultConfigFiles({ HOME: "", XDG_RUNTIME_DIR: "/r", XDG_CONFIG_HOME: "/x", DOCKER_CONFIG: "/d" }, other)).toEqual([
      "/r/containers/auth.json",
      "/x/containers/auth.json",
      "/d/config.json",
      "/root/.dockercfg",
      "/var/lib/kubelet/config.json",
      "/.docker/config.json",
    ]);
    expect(other.asked).toEqual(["home"]);
    // No entry in the password database either: the files under ~ are left out.
    expect(defaultConfigFiles({ XDG_RUNTIME_DIR: "/r" }, account(0, null))).toEqual([
      "/r/containers/auth.json",
      "/var/lib/kubelet/config.json",
      "/.docker/config.json",
    ]);
    // Empty variables count as unset; a file named twice is read once.
    expect(defaultConfigFiles({ HOME: "/", REGISTRY_AUTH_FILE: "", DOCKER_CONFIG: "", XDG_CONFIG_HOME: "", XDG_RUNTIME_DIR: "" }, account(0, null))).toEqual([
      "/run/containers/0/auth.json",
      "/.config/containers/auth.json",
      "/.docker/config.json",
      "/.dockercfg",
      "/var/lib/kubelet/config.json",
    ]);
  });

  test("without `files`, the default list is read from context.env, in order, and --debug shows it", async () => {
    const home = join(dir, "home");
    const run = join(dir, "run");
    put("run/containers/auth.json", { auths: { "registry.example.org": login("runtime"), "runtime.example.org": login("runtime") } });
    put("xdg/containers/auth.json", { auths: { "registry.example.org": login("xdg"), "xdg.example.org": login("xdg") } });
    put("home/.docker/config.json", { auths: { "registry.example.org": login("home"), "docker.example.org": login("home") } });
    put("home/.dockercfg", { "registry.example.org": login("dockercfg"), "legacy.example.org": login("dockercfg") });
    const env = testEnv({ HOME: home, XDG_RUNTIME_DIR: run, XDG_CONFIG_HOME: join(dir, "xdg") });
    const user = async (image: string, extra: Record<string, string> = {}) =>
      (await lookup(image, {}, { ...env, ...extra })).hit?.auth[parseImage(image).host]?.username;
    expect(await user("registry.example.org/app")).toBe("runtime");
    expect(await user("xdg.example.org/app")).toBe("xdg");
    expect(await user("docker.example.org/app")).toBe("home");
    expect(await user("legacy.example.org/app")).toBe("dockercfg");
    // DOCKER_CONFIG replaces ~/.docker.
    put("docker-config/config.json", { auths: { "docker.example.org": login("docker-config") } });
    expect(await user("docker.example.org/app", { DOCKER_CONFIG: join(dir, "docker-config") })).toBe("docker-config");
    // REGISTRY_AUTH_FILE alone: a login elsewhere is not found.
    const authFile = put("auth.json", { auths: { "registry.example.org": login("registry-auth-file") } });
    expect(await user("registry.example.org/app", { REGISTRY_AUTH_FILE: authFile })).toBe("registry-auth-file");
    expect(await user("xdg.example.org/app", { REGISTRY_AUTH_FILE: authFile })).toBeUndefined();

    const { messages } = await lookup("nothere.example.org/app", {}, env);
    const files = [
      join(run, "containers/auth.json"),
      join(dir, "xdg/containers/auth.json"),
      join(home, ".docker/config.json"),
      join(home, ".dockercfg"),
      "/var/lib/kubelet/config.json",
      "/.docker/config.json",
    ];
    expect(messages[0]).toBe(`debug: docker-config: sources in order: ${files.map((file, i) => `${i + 1}. ${file}`).join(", ")}`);
    const withAuthFile = await lookup("nothere.example.org/app", {}, { ...env, REGISTRY_AUTH_FILE: authFile });
    expect(withAuthFile.messages.slice(0, 2)).toEqual([
      "debug: docker-config: REGISTRY_AUTH_FILE is set: the other containers and Docker files are not read",
      `debug: docker-config: sources in order: 1. ${authFile}, 2. /var/lib/kubelet/config.json, 3. /.docker/config.json`,
    ]);
  });

  test("DOCKER_AUTH_CONFIG comes first, even when `files` is set", async () => {
    const path = put("config.json", { auths: { "registry.example.org": login("file"), "other.example.org": login("file") } });
    const env = testEnv({ DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "registry.example.org": login("env") } }) });
    const { hit } = await lookup("registry.example.org/app", { files: [path] }, env);
    expect(hit?.auth).toEqual({ "registry.example.org": { username: "env", password: SECRET } });
    expect(hit?.source).toBe("docker-config DOCKER_AUTH_CONFIG");
    // Without an entry there, the files answer.
    expect((await lookup("other.example.org/app", { files: [path] }, env)).hit?.source).toBe(`docker-config ${path}`);
    // Empty means unset.
    const empty = await lookup("registry.example.org/app", { files: [path] }, testEnv({ DOCKER_AUTH_CONFIG: "" }));
    expect(empty.hit?.source).toBe(`docker-config ${path}`);
  });

  test("a broken DOCKER_AUTH_CONFIG is reported without its content, and the files answer", async () => {
    const path = put("config.json", { auths: { "registry.example.org": login("file") } });
    const inline = `{"auths":{"registry.example.org":{"auth":"${SECRET}"`;
    const env = testEnv({ DOCKER_AUTH_CONFIG: inline });
    const { hit, warnings } = await lookup("registry.example.org/app", { files: [path] }, env);
    expect(hit?.source).toBe(`docker-config ${path}`);
    expect(warnings).toEqual([
      `warn: docker-config: DOCKER_AUTH_CONFIG: invalid JSON at line 1, column ${inline.length + 1}: unexpected end of input`,
    ]);
  });

  test("the first source with an entry for the image answers; sources are not merged", async () => {
    const first = put("first.json", { auths: { "registry.example.org/team": login("team"), "other.example.org": login("x") } });
    const second = put("second.json", { auths: { "registry.example.org": login("base") } });
    const team = await lookup("registry.example.org/team/app", { files: [first, second] });
    expect(team.hit?.auth).toEqual({ "registry.example.org/team": { username: "team", password: SECRET } });
    expect(team.hit?.source).toBe(`docker-config ${first}`);
    // The first file has nothing the kubelet would use for another repository: the second answers,
    // and says that its answer is not the answer for the whole registry.
    const other = await lookup("registry.example.org/other/app", { files: [first, second] });
    expect(other.hit?.auth).toEqual({ "registry.example.org": { username: "base", password: SECRET } });
    expect(other.hit?.source).toBe(`docker-config ${second}`);
    expect(other.hit?.partial).toBe(`${first} holds credentials for only part of registry.example.org`);
  });

  test("namespace keys only, none for the image: a partial miss", async () => {
    const first = put("first.json", { auths: { "registry.example.org/team": login("team") } });
    const { hit, partial } = await lookup("registry.example.org/other/app", { files: [first] });
    expect(hit).toBeNull();
    expect(partial).toBe(`${first} holds credentials for only part of registry.example.org`);
  });

  test("missing files and files without the registry are passed over quietly", async () => {
    const other = put("other.json", { auths: { "other.example.org": login("other") } });
    const good = put("good.json", { auths: { "registry.example.org": login("good") } });
    const { hit, warnings, messages } = await lookup("registry.example.org/app", {
      files: [join(dir, "missing.json"), join(dir, "no-such-dir/config.json"), other, good],
    });
    expect(hit?.source).toBe(`docker-config ${good}`);
    expect(warnings).toEqual([]);
    expect(messages).toContain(`debug: docker-config: ${join(dir, "missing.json")} not found`);
    expect(messages).toContain(`debug: docker-config: ${other} has no credentials for registry.example.org`);
  });

  test("broken sources are reported and skipped; a good one after them answers", async () => {
    const invalidText = `{"auths": {"registry.example.org": {"auth": "${SECRET}"}}`;
    const invalid = put("invalid.json", invalidText);
    const directory = join(dir, "directory.json");
    mkdirSync(directory);
    const good = put("good.json", { auths: { "registry.example.org": login("good") } });
    const { hit, error, warnings } = await lookup("registry.example.org/app", { files: [invalid, directory, good] });
    expect(error).toBeNull();
    expect(hit?.source).toBe(`docker-config ${good}`);
    expect(warnings).toEqual([
      `warn: docker-config: ${invalid}: invalid JSON at line 1, column ${invalidText.length + 1}: unexpected end of input`,
      `warn: docker-config: ${directory} is a directory, not a regular file`,
    ]);
  });

  test("no answer and broken sources: an error listing them", async () => {
    const invalid = put("invalid.json", "{");
    const directory = join(dir, "directory.json");
    mkdirSync(directory);
    const empty = put("empty.json", { auths: {} });
    const { hit, error } = await lookup("registry.example.org/app", { files: [invalid, empty, directory] });
    expect(hit).toBeNull();
    expect(error).toBeInstanceOf(BackendError);
    expect(error?.message).toBe(
      `no credentials for registry.example.org, and broken sources were skipped: ${invalid}, ${directory}`,
    );
  });

  test("no sources at all is a miss", async () => {
    expect((await lookup("registry.example.org/app", { files: [] })).hit).toBeNull();
  });
});

describe("docker-config backend: credHelpers and credsStore (fake helpers)", () => {
  test("credHelpers for the host beats auths; the helper gets host[:port] on stdin and the provider's env", async () => {
    fake("fake", answering("robot"));
    const path = put("config.json", {
      auths: { "registry.example.org:5000": login("file") },
      credHelpers: { "registry.example.org:5000": "fake" },
    });
    const { hit } = await lookup("registry.example.org:5000/app", { files: [path] });
    expect(hit).toEqual({
      auth: { "registry.example.org:5000": { username: "robot", password: SECRET } },
      source: `docker-config ${path} (credHelpers entry 1)`,
      cacheDuration: undefined,
      partial: undefined,
    });
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe("registry.example.org:5000");
  });

  test("credHelpers keys are normalised like auths keys; Docker Hub gets Docker's Hub URL", async () => {
    fake("fake", answering("robot"));
    const path = put("config.json", { credHelpers: { "https://Registry.Example.org/": "fake", "docker.io": "fake" } });
    expect((await lookup("registry.example.org/app", { files: [path] })).hit?.auth["registry.example.org"]?.username).toBe("robot");
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe("registry.example.org");
    const hub = await lookup("docker.io/library/nginx", { files: [path] });
    expect(Object.keys(hub.hit?.auth ?? {})).toEqual(["docker.io"]);
    expect(hub.hit?.source).toBe(`docker-config ${path} (credHelpers entry 2)`);
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe("https://index.docker.io/v1/");
  });

  // A helper that knows one server URL, logging every URL it is asked for.
  const storeHolding = (serverUrl: string, user: string) =>
    `read url; echo "$url" >> "$FAKE_DIR/asked"; ` +
    `if [ "$url" = "${serverUrl}" ]; then printf '{"ServerURL":"x","Username":"${user}","Secret":"%s"}' "$FAKE_SECRET"; ` +
    `else echo "credentials not found in native keychain"; exit 1; fi`;
  const asked = () => (existsSync(join(dir, "asked")) ? readFileSync(join(dir, "asked"), "utf8").split("\n").filter(Boolean) : []);

  for (const [kind, config] of [
    ["credsStore", { credsStore: "hub" }],
    ["credHelpers", { credHelpers: { "https://index.docker.io/v1/": "hub" } }],
  ] as const) {
    test(`Docker Hub through ${kind}: docker's https://index.docker.io/v1/ first, then containers' docker.io`, async () => {
      const path = put("config.json", config);
      fake("hub", storeHolding("docker.io", "podman-login"));
      const { hit } = await lookup("docker.io/library/nginx", { files: [path] });
      expect(hit?.auth).toEqual({ "docker.io": { username: "podman-login", password: SECRET } });
      expect(asked()).toEqual(["https://index.docker.io/v1/", "docker.io"]);
      // Found under docker's key: not asked again.
      rmSync(join(dir, "asked"));
      fake("hub", storeHolding("https://index.docker.io/v1/", "docker-login"));
      expect((await lookup("docker.io/library/nginx", { files: [path] })).hit?.auth["docker.io"]?.username).toBe("docker-login");
      expect(asked()).toEqual(["https://index.docker.io/v1/"]);
      // Another registry is asked once, under its host[:port].
      rmSync(join(dir, "asked"));
      expect((await lookup("registry.example.org:5000/app", { files: [path] })).hit).toBeNull();
      expect(asked()).toEqual(kind === "credsStore" ? ["registry.example.org:5000"] : []);
    });
  }

  test("Docker Hub through a helper: the key is spelled as the image spells the host", async () => {
    fake("hub", storeHolding("docker.io", "podman-login"));
    const path = put("config.json", { credHelpers: { "docker.io": "hub" } });
    for (const host of ["docker.io", "index.docker.io", "registry-1.docker.io"]) {
      const image = `${host}/library/nginx`;
      const { hit } = await lookup(image, { files: [path] });
      expect(Object.keys(hit?.auth ?? {})).toEqual([host]);
      expect(kubeletChoice(hit?.auth ?? {}, image)).toBe("podman-login");
    }
  });

  test("credHelpers 'not found' is a miss for the file: no fallback to auths, the next file answers", async () => {
    fake("nf", `echo "credentials not found in native keychain"; exit 1`);
    const first = put("first.json", { auths: { "registry.example.org": login("first") }, credHelpers: { "registry.example.org": "nf" } });
    const second = put("second.json", { auths: { "registry.example.org": login("second") } });
    const { hit, warnings } = await lookup("registry.example.org/app", { files: [first, second] });
    expect(hit?.auth["registry.example.org"]?.username).toBe("second");
    expect(warnings).toEqual([]);
  });

  test("credHelpers for other hosts are not run", async () => {
    fake("fake", `touch "$FAKE_DIR/ran"; ${answering("robot")}`);
    const path = put("config.json", {
      auths: { "registry.example.org": login("file") },
      credHelpers: { "other.example.org": "fake", "registry.example.org:5000": "fake" },
    });
    expect((await lookup("registry.example.org/app", { files: [path] })).hit?.auth["registry.example.org"]?.username).toBe("file");
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });

  test("credsStore answers beside docker login's empty entry", async () => {
    fake("store", answering("stored"));
    const path = put("config.json", { auths: { "registry.example.org": {} }, credsStore: "store" });
    const { hit, messages } = await lookup("registry.example.org/app", { files: [path] });
    expect(hit?.auth).toEqual({ "registry.example.org": { username: "stored", password: SECRET } });
    expect(hit?.source).toBe(`docker-config ${path} (credsStore)`);
    // The empty entry is what docker login writes beside a store: nothing was ignored.
    expect(messages.filter((m) => m.includes("not used"))).toEqual([]);
  });

  test("credsStore beats the plaintext auths entries of the registry, namespaces included (docker/cli)", async () => {
    fake("store", answering("stored"));
    const path = put("config.json", {
      auths: {
        "other.example.org": login("other"),
        "https://registry.example.org/v1/": login("file"),
        "registry.example.org/team": login("team"),
      },
      credsStore: "store",
    });
    const { hit, messages } = await lookup("registry.example.org/team/app", { files: [path] });
    expect(hit?.auth).toEqual({ "registry.example.org": { username: "stored", password: SECRET } });
    expect(hit?.source).toBe(`docker-config ${path} (credsStore)`);
    expect(messages).toContain(
      `debug: docker-config: ${path}: credsStore is set, so the store answers for registry.example.org and auths entries 2, 3 are not used, as in docker`,
    );
  });

  test("credsStore with nothing for the registry: the plaintext entry is still not used, and the next file answers", async () => {
    fake("store", `echo "credentials not found in native keychain"; exit 1`);
    const first = put("first.json", { auths: { "registry.example.org": login("stale") }, credsStore: "store" });
    const second = put("second.json", { auths: { "registry.example.org": login("second") } });
    const only = await lookup("registry.example.org/app", { files: [first] });
    expect({ hit: only.hit, error: only.error, warnings: only.warnings }).toEqual({ hit: null, error: null, warnings: [] });
    expect(only.messages).toContain(
      `debug: docker-config: ${first}: credsStore is set, so the store answers for registry.example.org and auths entry 1 is not used, as in docker`,
    );
    expect((await lookup("registry.example.org/app", { files: [first, second] })).hit?.auth["registry.example.org"]?.username).toBe("second");
  });

  test("credHelpers for the registry beat credsStore", async () => {
    fake("store", `touch "$FAKE_DIR/store-ran"; ${answering("stored")}`);
    fake("helper", answering("helped"));
    const path = put("config.json", { credsStore: "store", credHelpers: { "other.example.org": "store", "registry.example.org": "helper" } });
    const { hit } = await lookup("registry.example.org/app", { files: [path] });
    expect(hit?.auth["registry.example.org"]?.username).toBe("helped");
    expect(hit?.source).toBe(`docker-config ${path} (credHelpers entry 2)`);
    expect(existsSync(join(dir, "store-ran"))).toBe(false);
  });

  test("credsStore 'not found' (exit 0, empty fields) is a miss", async () => {
    fake("store", `echo '{"ServerURL":"registry.example.org","Username":"","Secret":""}'`);
    const path = put("config.json", { auths: { "registry.example.org": {} }, credsStore: "store" });
    const { hit, error, warnings } = await lookup("registry.example.org/app", { files: [path] });
    expect({ hit, error, warnings }).toEqual({ hit: null, error: null, warnings: [] });
  });

  test("an identity token from a helper is skipped with a warning", async () => {
    fake("tok", `printf '{"ServerURL":"x","Username":"<token>","Secret":"%s"}' "$FAKE_SECRET"`);
    const path = put("config.json", { credsStore: "tok" });
    const { hit, error, warnings } = await lookup("registry.example.org/app", { files: [path] });
    expect(hit).toBeNull();
    expect(error).toBeNull();
    expect(warnings).toEqual([
      `warn: docker-config: ${path}: credsStore: helper holds an identity token for registry.example.org, which the kubelet cannot use; skipped`,
    ]);
  });

  test("a missing helper breaks its source; the next source answers", async () => {
    const first = put("first.json", { credsStore: "nothere" });
    const second = put("second.json", { auths: { "registry.example.org": login("second") } });
    const { hit, warnings } = await lookup("registry.example.org/app", { files: [first, second] });
    expect(hit?.auth["registry.example.org"]?.username).toBe("second");
    expect(warnings).toEqual([`warn: docker-config: ${first}: credsStore: helper not found on PATH`]);
  });

  test("a crashing or junk-printing helper breaks its source without its output in any message", async () => {
    fake("crash", `echo "$FAKE_SECRET"; exit 2`);
    fake("junk", `echo "secret=$FAKE_SECRET"`);
    const crash = put("crash.json", { credHelpers: { "registry.example.org": "crash" } });
    const junk = put("junk.json", { credsStore: "junk" });
    const { hit, error, warnings } = await lookup("registry.example.org/app", { files: [crash, junk] });
    expect(hit).toBeNull();
    expect(warnings).toEqual([
      `warn: docker-config: ${crash}: credHelpers entry 1: helper get failed with exit status 2`,
      `warn: docker-config: ${junk}: credsStore: helper get printed an unexpected answer: invalid JSON at line 1, column 1: unexpected character`,
    ]);
    expect(error?.message).toBe(`no credentials for registry.example.org, and broken sources were skipped: ${crash}, ${junk}`);
  });

  test("a hanging helper is killed with its children after helperTimeout; the next source answers", async () => {
    fake("hang", `sleep 1000 & echo $! > "$FAKE_DIR/child.pid"; wait`);
    const first = put("first.json", { credHelpers: { "registry.example.org": "hang" } });
    const second = put("second.json", { auths: { "registry.example.org": login("second") } });
    const { hit, warnings } = await lookup("registry.example.org/app", { files: [first, second], helperTimeout: "1s" });
    expect(hit?.auth["registry.example.org"]?.username).toBe("second");
    expect(warnings).toEqual([`warn: docker-config: ${first}: credHelpers entry 1: helper did not answer within 1s and was killed`]);
    const child = Number(readFileSync(join(dir, "child.pid"), "utf8"));
    expect(child).toBeGreaterThan(0);
    expect(await waitUntilGone(child)).toBe(true);
  });
});

describe("docker-config backend: the real docker-credential-pass", () => {
  let store: PassStore | undefined;
  // Generating a GPG key can take seconds on a busy machine: more than a hook's default 5 s.
  beforeAll(() => {
    store = createPassStore();
    store.store("registry.example.org:5000", "passuser", SECRET);
    store.store("https://index.docker.io/v1/", "hubuser", SECRET);
  }, 60_000);
  afterAll(() => store?.close());
  const passEnv = () => {
    if (store === undefined) throw new Error("the pass store was not created");
    return store.env;
  };

  test("through credHelpers", async () => {
    const path = put("config.json", { auths: {}, credHelpers: { "registry.example.org:5000": "pass" } });
    const { hit, error } = await lookup("registry.example.org:5000/team/app", { files: [path] }, passEnv());
    expect(error).toBeNull();
    expect(hit?.auth).toEqual({ "registry.example.org:5000": { username: "passuser", password: SECRET } });
    expect(hit?.source).toBe(`docker-config ${path} (credHelpers entry 1)`);
  });

  test("through credsStore, Docker Hub included", async () => {
    const path = put("config.json", { auths: { "https://index.docker.io/v1/": {} }, credsStore: "pass" });
    const hub = await lookup("docker.io/library/nginx", { files: [path] }, passEnv());
    expect(hub.hit?.auth).toEqual({ "docker.io": { username: "hubuser", password: SECRET } });
    const other = await lookup("registry.example.org:5000/app", { files: [path] }, passEnv());
    expect(other.hit?.auth["registry.example.org:5000"]?.username).toBe("passuser");
    const unknown = await lookup("unknown.example.org/app", { files: [path] }, passEnv());
    expect({ hit: unknown.hit, error: unknown.error }).toEqual({ hit: null, error: null });
  });
});
