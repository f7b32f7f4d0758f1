import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BackendError, BackendOptionsError } from "../backends/types.ts";
import { findExecutable } from "../backends/support/child-process.ts";
import { runCredentialHelper } from "../backends/support/credential-helper.ts";
import { makeBackend, recordLookup, recordingContext, testDeadline } from "./support/context.ts";
import { fakeHelpers, type FakeHelpers } from "./support/fake-helpers.ts";
import { waitUntilGone } from "./support/processes.ts";
import { createPassStore, type PassStore } from "./support/pass-store.ts";

const SECRET = "helper-secret-do-not-print";
const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
let fakes: FakeHelpers;
let dir: string;

beforeEach(() => {
  fakes = fakeHelpers("gcp-helper-");
  dir = fakes.dir;
});
afterEach(() => fakes.remove());

const fake = (name: string, script: string) => fakes.fake(name, script);
const testEnv = (extra: Record<string, string> = {}) => fakes.env(SECRET, extra);

async function lookup(options: Record<string, unknown>, image: string, env = testEnv()) {
  const context = recordingContext(env);
  return recordLookup(makeBackend("helper", "helper", options, context), context, image, SECRET);
}

async function expectBroken(options: Record<string, unknown>, image: string, reason: RegExp) {
  const { error, hit } = await lookup(options, image);
  expect(hit).toBeNull();
  expect(error).toBeInstanceOf(BackendError);
  expect(error?.message).toMatch(reason);
  expect(error?.message).not.toContain(SECRET);
}

const answering = `cat > "$FAKE_DIR/stdin"; printf '{"ServerURL":"x","Username":"robot","Secret":"%s"}' "$FAKE_SECRET"`;

describe("helper backend: options", () => {
  const create = (options: unknown) => () => makeBackend("helper", "ecr", options, recordingContext());

  test("helper and matchImages are required", () => {
    expect(create({})).toThrow(BackendOptionsError);
    expect(create({ helper: "ecr-login" })).toThrow('backend "ecr": missing field "matchImages"');
    expect(create({ matchImages: [ECR] })).toThrow('missing field "helper"');
    expect(create({ helper: "ecr-login", matchImages: [] })).toThrow("must list at least one pattern");
    expect(create({ helper: "ecr-login", matchImages: [""] })).toThrow("must not be empty");
  });

  test("a pattern the kubelet's matcher never matches is refused, naming the field", () => {
    expect(create({ helper: "x", matchImages: ["https://registry.example.org"] })).toThrow('backend "ecr": field "matchImages.0" has a scheme');
    expect(create({ helper: "x", matchImages: ["a.org", "user@registry.example.org"] })).toThrow('field "matchImages.1" has user information');
  });

  test("unknown options and bad values are rejected at start-up", () => {
    expect(create({ helper: "x", matchImages: ["a"], timeOut: "1s" })).toThrow('unknown field "timeOut"');
    expect(create({ helper: "../../bin/sh", matchImages: ["a"] })).toThrow('field "helper" must be a helper name');
    expect(create({ helper: "x", matchImages: ["a"], timeout: "0s" })).toThrow("must be greater than zero");
    expect(create({ helper: "x", matchImages: ["a"], timeout: "10" })).toThrow("is not a Go duration");
    expect(create({ helper: "x", matchImages: ["a"], cacheDuration: "-1m" })).toThrow("must not be negative");
    expect(create({ helper: "x", matchImages: "a" })).toThrow('field "matchImages" must be an array');
  });

  test("without cacheDuration the global default applies (none set here); given ones are emitted canonical", async () => {
    fake("fake", answering);
    expect((await lookup({ helper: "fake", matchImages: [ECR] }, `${ECR}/app`)).hit?.cacheDuration).toBeUndefined();
    const { hit } = await lookup({ helper: "fake", matchImages: [ECR], cacheDuration: "90s" }, `${ECR}/app`);
    expect(hit?.cacheDuration).toBe("1m30s");
  });
});

describe("helper backend: lookups", () => {
  test("a matching image is answered by the helper, keyed by the image's host", async () => {
    fake("fake", answering);
    const { hit, messages } = await lookup({ helper: "fake", matchImages: ["*.dkr.ecr.*.amazonaws.com"] }, `${ECR}/team/app:1.0`);
    expect(hit).toEqual({
      auth: { [ECR]: { username: "robot", password: SECRET } },
      source: "helper (helper fake)",
      cacheDuration: undefined,
      partial: undefined, // its only pattern has no path: it covers whole registries
    });
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe(ECR);
    expect(messages.some((m) => m.includes("asking helper fake"))).toBe(true);
  });

  test("no matching pattern is a miss, and the helper does not run", async () => {
    fake("fake", `touch "$FAKE_DIR/ran"; ${answering}`);
    const options = { helper: "fake", matchImages: ["*.dkr.ecr.*.amazonaws.com", "registry.example.org:5000"] };
    expect((await lookup(options, "registry.example.org/app")).hit).toBeNull(); // ports must be equal
    expect((await lookup(options, "a.b.dkr.ecr.eu-west-1.amazonaws.com/app")).hit).toBeNull(); // "*" is one label
    expect((await lookup(options, "nginx")).hit).toBeNull();
    expect(existsSync(join(dir, "ran"))).toBe(false);
    expect((await lookup(options, "registry.example.org:5000/app")).hit?.auth["registry.example.org:5000"]?.username).toBe("robot");
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe("registry.example.org:5000");
  });

  test("a pattern with a path matches only that namespace", async () => {
    fake("fake", answering);
    const options = { helper: "fake", matchImages: ["registry.example.org/team"] };
    expect((await lookup(options, "registry.example.org/team/app")).hit).not.toBeNull();
    expect((await lookup(options, "registry.example.org/other/app")).hit).toBeNull();
  });

  test("Docker Hub images send Docker's Hub server URL; serverUrl overrides what is sent", async () => {
    fake("fake", answering);
    const hub = await lookup({ helper: "fake", matchImages: ["docker.io"] }, "docker.io/library/nginx");
    expect(Object.keys(hub.hit?.auth ?? {})).toEqual(["docker.io"]);
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe("https://index.docker.io/v1/");
    await lookup({ helper: "fake", matchImages: [ECR], serverUrl: "https://example.invalid/custom" }, `${ECR}/app`);
    expect(readFileSync(join(dir, "stdin"), "utf8")).toBe("https://example.invalid/custom");
  });

  test("the helper inherits the provider's environment (GNUPGHOME, D-Bus, PATH…) and nothing else", async () => {
    fake("fake", `printf '{"Username":"%s","Secret":"%s"}' "$GNUPGHOME|\${HOME:-nohome}" "$FAKE_SECRET"`);
    const { hit } = await lookup({ helper: "fake", matchImages: [ECR] }, `${ECR}/app`, testEnv({ GNUPGHOME: "/gnupg" }));
    expect(hit?.auth[ECR]).toEqual({ username: "/gnupg|nohome", password: SECRET });
  });

  test("not found: exit 1 with Docker's message, or exit 0 with empty fields", async () => {
    fake("nf1", `echo "credentials not found in native keychain"; exit 1`);
    fake("nf0", `echo '{"ServerURL":"","Username":"","Secret":""}'`);
    for (const helper of ["nf1", "nf0"]) {
      const { hit, error, messages } = await lookup({ helper, matchImages: [ECR] }, `${ECR}/app`);
      expect(error).toBeNull();
      expect(hit).toBeNull();
      expect(messages.some((m) => m.startsWith("warn:"))).toBe(false);
    }
  });

  test("a <token> username (identity token) is skipped with a warning", async () => {
    fake("tok", `printf '{"ServerURL":"x","Username":"<token>","Secret":"%s"}' "$FAKE_SECRET"`);
    const { hit, error, messages } = await lookup({ helper: "tok", matchImages: [ECR] }, `${ECR}/app`);
    expect(error).toBeNull();
    expect(hit).toBeNull();
    expect(messages).toContainEqual(expect.stringMatching(/^warn: helper: helper tok holds an identity token/));
  });
});

describe("helper backend: broken helpers", () => {
  const options = (helper: string, extra: Record<string, unknown> = {}) => ({ helper, matchImages: [ECR], ...extra });
  const image = `${ECR}/app`;

  test("a missing helper", async () => {
    await expectBroken(options("nothere"), image, /^docker-credential-nothere not found on PATH$/);
  });

  test("a helper file that is not executable is not a helper", async () => {
    writeFileSync(join(fakes.bin, "docker-credential-noexec"), "#!/bin/sh\n", { mode: 0o644 });
    await expectBroken(options("noexec"), image, /not found on PATH/);
  });

  test("a crash: non-zero exit, output not repeated", async () => {
    fake("crash", `echo "panic: $FAKE_SECRET"; echo "$FAKE_SECRET" >&2; exit 3`);
    await expectBroken(options("crash"), image, /^docker-credential-crash get failed with exit status 3$/);
  });

  test("killed by a signal", async () => {
    fake("sig", `kill -9 $$`);
    await expectBroken(options("sig"), image, /^docker-credential-sig get was killed by SIGKILL$/);
  });

  test("junk on stdout", async () => {
    fake("junk", `echo "here is your secret: $FAKE_SECRET"`);
    await expectBroken(options("junk"), image, /^docker-credential-junk get printed an unexpected answer: invalid JSON at line 1, column 1/);
  });

  test("JSON of the wrong shape", async () => {
    fake("shape", `printf '{"Username":5,"Secret":"%s"}' "$FAKE_SECRET"`);
    await expectBroken(options("shape"), image, /printed an unexpected answer: field "Username" must be a string$/);
    fake("text", `printf '"%s"' "$FAKE_SECRET"`);
    await expectBroken(options("text"), image, /printed an unexpected answer: the document must be a JSON object$/);
    fake("array", `printf '[{"Username":"u","Secret":"%s"}]' "$FAKE_SECRET"`);
    await expectBroken(options("array"), image, /printed an unexpected answer: the document must be a JSON object$/);
  });

  test("output past 64 KiB", async () => {
    fake("big", `printf '{"Username":"u","Secret":"%s' "$FAKE_SECRET"; head -c 70000 /dev/zero | tr '\\0' a; echo '"}'`);
    await expectBroken(options("big"), image, /^docker-credential-big printed more than 65536 bytes on stdout and was killed$/);
  });

  test("a hang: killed with its children after the timeout", async () => {
    fake("hang", `sleep 1000 & echo $! > "$FAKE_DIR/child.pid"; echo $$ > "$FAKE_DIR/helper.pid"; wait`);
    await expectBroken(options("hang", { timeout: "1s" }), image, /^docker-credential-hang did not answer within 1s and was killed$/);
    const child = Number(readFileSync(join(dir, "child.pid"), "utf8"));
    const helper = Number(readFileSync(join(dir, "helper.pid"), "utf8"));
    expect(child).toBeGreaterThan(0);
    expect(await waitUntilGone(helper)).toBe(true);
    expect(await waitUntilGone(child)).toBe(true);
  });

  test("a helper that answers and leaves a child behind (its stdout closed): the child is killed with the group", async () => {
    fake("leave", `sleep 1000 >/dev/null 2>&1 & echo $! > "$FAKE_DIR/child.pid"; printf '{"Username":"u","Secret":"s"}'`);
    const { hit } = await lookup(options("leave"), image);
    expect(hit?.auth[ECR]?.username).toBe("u");
    expect(await waitUntilGone(Number(readFileSync(join(dir, "child.pid"), "utf8")))).toBe(true);
  });

  test("a helper that exits but leaves a child holding stdout is killed at the timeout too", async () => {
    fake("linger", `(sleep 1000; echo late) & echo $! > "$FAKE_DIR/child.pid"; exit 0`);
    await expectBroken(options("linger", { timeout: "1s" }), image, /did not answer within 1s and was killed$/);
    expect(await waitUntilGone(Number(readFileSync(join(dir, "child.pid"), "utf8")))).toBe(true);
  });
});

describe("credential helper runner", () => {
  test("findExecutable searches only absolute PATH entries", () => {
    fake("x", "exit 0");
    expect(findExecutable("docker-credential-x", `relative:${fakes.bin}`)).toBe(join(fakes.bin, "docker-credential-x"));
    expect(findExecutable("docker-credential-x", "")).toBeNull();
    expect(findExecutable("docker-credential-x", undefined)).toBeNull();
  });

  test("a helper name that is a path is refused before anything runs", async () => {
    const run = runCredentialHelper("../bin/sh", "x", { env: testEnv(), timeout: "1s", deadline: testDeadline() });
    await expect(run).rejects.toThrow("invalid credential helper name");
  });
});

describe("helper backend: the real docker-credential-pass", () => {
  let store: PassStore | undefined;
  // Generating a GPG key can take seconds on a busy machine: more than a hook's default 5 s.
  beforeAll(() => {
    store = createPassStore();
    store.store(ECR, "AWS", SECRET);
  }, 60_000);
  afterAll(() => store?.close());
  const passEnv = () => {
    if (store === undefined) throw new Error("the pass store was not created");
    return store.env;
  };

  test("answers a stored credential and misses an unknown one", async () => {
    const options = { helper: "pass", matchImages: ["*.dkr.ecr.*.amazonaws.com"] };
    const { hit, messages } = await lookup(options, `${ECR}/app`, passEnv());
    expect(hit?.auth).toEqual({ [ECR]: { username: "AWS", password: SECRET } });
    expect(hit?.source).toBe("helper (helper pass)");
    for (const message of messages) expect(message).not.toContain(SECRET);
    const other = await lookup(options, "999999999999.dkr.ecr.eu-west-1.amazonaws.com/app", passEnv());
    expect(other.error).toBeNull();
    expect(other.hit).toBeNull();
  });
});
