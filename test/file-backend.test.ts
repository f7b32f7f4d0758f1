import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { BackendError, BackendOptionsError } from "../backends/types.ts";
import { scratchDirectory } from "./support/files.ts";
import { lookupTarget, makeBackend, recordLookup, recordingContext } from "./support/context.ts";

const SECRET = "fake-secret-do-not-print";
let dir: string;

const put = scratchDirectory("gcp-file-", (created) => (dir = created));

async function lookup(image: string) {
  const context = recordingContext();
  return recordLookup(makeBackend("file", "file", { dir }, context), context, image, SECRET);
}

describe("file backend: lookup by domain suffix", () => {
  test("the most specific file wins", async () => {
    put("org.json", { username: "org", password: SECRET });
    put("example.org.json", { username: "example", password: SECRET });
    put("b.example.org.json", { username: "b", password: SECRET });
    put("a.b.example.org.json", { username: "ab", password: SECRET });
    put("a.b.example.org:5000.json", { username: "ab5000", password: SECRET });
    expect((await lookup("a.b.example.org:5000/x")).hit?.auth).toEqual({
      "a.b.example.org:5000": { username: "ab5000", password: SECRET },
    });
    expect((await lookup("a.b.example.org/x")).hit?.auth["a.b.example.org"]?.username).toBe("ab");
    expect((await lookup("c.b.example.org/x")).hit?.auth["c.b.example.org"]?.username).toBe("b");
    expect((await lookup("other.example.org:443/x")).hit?.auth["other.example.org:443"]?.username).toBe("example");
    expect((await lookup("elsewhere.org/x")).hit?.auth["elsewhere.org"]?.username).toBe("org");
  });

  test("the auth key is the image's own host and port (the seed dropped the port)", async () => {
    put("provider.example.com.json", { username: "u", password: SECRET });
    const { hit } = await lookup("provider.example.com:5555/test");
    expect(Object.keys(hit?.auth ?? {})).toEqual(["provider.example.com:5555"]);
    expect(hit?.source).toBe("file provider.example.com.json");
    expect(hit?.cacheKeyType).toBeUndefined(); // the chain decides the scope
  });

  test("hosts are looked up in lower case; the key keeps the image's spelling", async () => {
    put("registry.example.org.json", { username: "u", password: SECRET });
    const { hit } = await lookup("Registry.Example.ORG/app");
    expect(Object.keys(hit?.auth ?? {})).toEqual(["Registry.Example.ORG"]);
  });

  test("IP literals: host:port, then host, no suffixes", async () => {
    put("0.1.json", { username: "suffix", password: SECRET });
    put("1.json", { username: "suffix", password: SECRET });
    expect((await lookup("10.0.0.1:5000/x")).hit).toBeNull();
    put("10.0.0.1.json", { username: "ip", password: SECRET });
    expect((await lookup("10.0.0.1:5000/x")).hit?.auth["10.0.0.1:5000"]?.username).toBe("ip");
    put("10.0.0.1:5000.json", { username: "ipport", password: SECRET });
    expect((await lookup("10.0.0.1:5000/x")).hit?.auth["10.0.0.1:5000"]?.username).toBe("ipport");
    put("[::1]:5000.json", { username: "v6", password: SECRET });
    expect((await lookup("[::1]:5000/x")).hit?.auth["[::1]:5000"]?.username).toBe("v6");
    expect((await lookup("[::1]:5001/x")).hit).toBeNull();
  });

  test("no file: a miss, with the files tried in debug output", async () => {
    const { hit, error, messages } = await lookup("not-here.tld/test:latest");
    expect(hit).toBeNull();
    expect(error).toBeNull();
    expect(messages.join("\n")).toContain("not-here.tld.json not found");
    expect(messages.join("\n")).toContain("tld.json not found");
  });

  test("a missing credential directory is a miss", async () => {
    const context = recordingContext();
    const backend = makeBackend("file", "file", { dir: join(dir, "nope") }, context);
    expect(await backend.lookup(lookupTarget("registry.example.org/x"))).toBeNull();
  });
});

describe("file backend: the seed's format", () => {
  test("absent fields are empty strings; duration is canonical Go", async () => {
    put("example.org.json", {});
    expect((await lookup("example.org/x")).hit).toMatchObject({
      auth: { "example.org": { username: "", password: "" } },
      cacheDuration: undefined,
    });
    put("example.org.json", { username: "u", password: SECRET, duration: "0h5m0s" });
    expect((await lookup("example.org/x")).hit?.cacheDuration).toBe("5m0s");
    put("example.org.json", { duration: "90m" });
    expect((await lookup("example.org/x")).hit?.cacheDuration).toBe("1h30m0s");
    put("example.org.json", { duration: "0s" });
    expect((await lookup("example.org/x")).hit?.cacheDuration).toBe("0s");
  });

  const broken: [string, string | object, RegExp][] = [
    ["invalid JSON", `{"username": "u", "password": ${SECRET}}`, /invalid JSON at line 1, column 31/],
    ["a typo'd field", { username: "u", pasword: SECRET }, /unknown field "pasword"/],
    ["a number as password", { username: "u", password: 12345 }, /field "password" must be a string/],
    ["an array", [SECRET], /the document must be a JSON object/],
    ["a bad duration", { password: SECRET, duration: "5 minutes" }, /field "duration" is not a Go duration/],
    ["a negative duration", { password: SECRET, duration: "-5m" }, /field "duration" must not be negative/],
    ["a numeric duration", { password: SECRET, duration: 300 }, /field "duration" must be a string/],
  ];
  for (const [what, content, message] of broken) {
    test(`${what} is a broken backend, named by file and field`, async () => {
      put("example.org.json", content);
      const { error } = await lookup("registry.example.org/x");
      expect(error).toBeInstanceOf(BackendError);
      expect(error?.message).toContain(join(dir, "example.org.json"));
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain(SECRET);
      expect(error?.message).not.toContain("12345");
    });
  }

  test("a broken file stops the search: no fallback to a less specific file", async () => {
    put("org.json", { username: "other-registry", password: SECRET });
    put("example.org.json", "not json");
    const { hit, error } = await lookup("example.org/x");
    expect(hit).toBeNull();
    expect(error?.message).toContain("example.org.json");
  });

  test("a directory where a file should be", async () => {
    mkdirSync(join(dir, "example.org.json"));
    expect((await lookup("example.org/x")).error?.message).toMatch(/example\.org\.json is a directory/);
  });

  test("a symlink to a missing file", async () => {
    symlinkSync(join(dir, "missing.json"), join(dir, "example.org.json"));
    expect((await lookup("example.org/x")).error?.message).toMatch(/symbolic link to a missing file/);
  });

  test("a symlink to a real file is followed", async () => {
    put("real.json", { username: "linked", password: SECRET });
    symlinkSync(join(dir, "real.json"), join(dir, "example.org.json"));
    expect((await lookup("example.org/x")).hit?.auth["example.org"]?.username).toBe("linked");
  });
});

describe("file backend options", () => {
  test("unknown option is rejected with the backend's name and the key", () => {
    expect(() => makeBackend("file", "creds", { dri: "/x" }, recordingContext())).toThrow(
      new BackendOptionsError('backend "creds": unknown field "dri"'),
    );
  });
  test("dir must be a string", () => {
    expect(() => makeBackend("file", "file", { dir: 5 }, recordingContext())).toThrow(/field "dir" must be a string/);
  });
});
