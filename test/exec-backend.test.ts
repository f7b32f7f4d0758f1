import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendError, BackendOptionsError, type LookupTarget } from "../backends/types.ts";
import { lookupTarget, makeBackend, recordingContext, recordLookup } from "./support/context.ts";
import { echoingProvider as writeEchoingProvider, fakeProvider as writeFakeProvider } from "./support/fake-provider.ts";
import { lookupChain } from "../src/chain.ts";
import { API_VERSIONS } from "../src/core/protocol.ts";
import { Log } from "../src/log.ts";
import { waitUntilGone } from "./support/processes.ts";

const SECRET = "s3cr3t-Pa55w0rd";
const SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";

const tempDirs: string[] = [];
const strayPids: number[] = [];
afterAll(() => {
  for (const pid of strayPids) {
    try {
      process.kill(pid, "SIGKILL"); // only if a test failed before the backend killed it
    } catch {}
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gcp-exec-test-"));
  tempDirs.push(dir);
  return dir;
}

/** A fake provider (test/support/fake-provider.ts) in a fresh temp dir. */
function fakeProvider(body: string): { dir: string; path: string } {
  const dir = tempDir();
  return { dir, path: writeFakeProvider(dir, body) };
}

/** A provider that saves its request to request.json and answers in the apiVersion it was sent. */
function echoingProvider(response: Record<string, unknown>): { dir: string; path: string } {
  const dir = tempDir();
  return { dir, path: writeEchoingProvider(dir, response) };
}

/**
 * Runs one lookup (recordLookup: the secret is in no message and no error); returns the hit (null
 * for a miss, `partial` for a partial one) or the error, and every message produced, the error's last.
 */
async function lookup(
  options: Record<string, unknown>,
  image: string,
  env?: Record<string, string>,
  serviceAccount: LookupTarget["serviceAccount"] = {},
) {
  const context = recordingContext(env ?? { PATH: SYSTEM_PATH });
  const result = await recordLookup(makeBackend("exec", "exec", options, context), context, image, SECRET, serviceAccount);
  if (result.error !== null) result.messages.push(result.error.message);
  return result;
}

/** One lookup through the chain (src/chain.ts), which applies the kubelet's rules to the answer. */
async function throughChain(options: Record<string, unknown>, image: string) {
  const context = recordingContext({ PATH: SYSTEM_PATH });
  const log = new Log({ stderr: (text) => context.messages.push(text), pid: 1 });
  log.debugEnabled = true;
  const result = await lookupChain([makeBackend("exec", "exec", options, context)], lookupTarget(image), log, context.deadline);
  return { ...result, messages: context.messages };
}

function expectNoSecret(messages: string[]) {
  for (const message of messages) expect(message).not.toContain(SECRET);
}

const AUTH = { "reg.example.org": { username: "alice", password: SECRET } };

describe("exec backend: answers", () => {
  for (const apiVersion of API_VERSIONS) {
    test(`asks and accepts ${apiVersion}`, async () => {
      const { dir, path } = echoingProvider({ cacheKeyType: "Registry", cacheDuration: "300s", auth: AUTH });
      const { hit, error, messages } = await lookup({ command: path, apiVersion }, "reg.example.org/team/app:1.0");
      expect(error).toBeNull();
      expect(hit).toEqual({
        auth: AUTH,
        source: "exec fake-provider",
        cacheKeyType: "Registry",
        cacheDuration: "5m0s",
      });
      // The kubelet's request: the repository without the tag, in the configured version.
      expect(JSON.parse(readFileSync(join(dir, "request.json"), "utf8"))).toEqual({
        apiVersion,
        kind: "CredentialProviderRequest",
        image: "reg.example.org/team/app",
      });
      expectNoSecret(messages);
    });
  }

  test("the default apiVersion is v1", async () => {
    const { dir, path } = echoingProvider({ cacheKeyType: "Image", auth: AUTH });
    const { hit, messages } = await lookup({ command: path }, "reg.example.org/app");
    expect(JSON.parse(readFileSync(join(dir, "request.json"), "utf8")).apiVersion).toBe(
      "credentialprovider.kubelet.k8s.io/v1",
    );
    expect(hit?.cacheKeyType).toBe("Image");
    expect(hit?.cacheDuration).toBeUndefined(); // absent: the configured default applies
    expectNoSecret(messages);
  });

  test("cacheDuration: canonical; a negative one means no caching", async () => {
    for (const [given, expected] of [
      ["1h30m", "1h30m0s"],
      ["0s", "0s"],
      ["-5m", "0s"],
    ]) {
      const { path } = echoingProvider({ cacheKeyType: "Global", cacheDuration: given, auth: AUTH });
      const { hit, messages } = await lookup({ command: path }, "reg.example.org/app");
      expect(hit?.cacheDuration).toBe(expected);
      expect(hit?.cacheKeyType).toBe("Global");
      expectNoSecret(messages);
    }
  });

  // Whether the kubelet uses any key of the answer for the image is decided by the chain, for
  // every backend (test/chain.test.ts); these check it for a provider's answers.
  test("wildcard keys: an answer only when a key matches the image, and then with every entry", async () => {
    const auth = {
      "*.example.org": { username: "wild", password: SECRET },
      "other.org": { username: "other", password: SECRET },
    };
    const { path } = echoingProvider({ cacheKeyType: "Registry", auth });
    const matching = await throughChain({ command: path }, "a.example.org/app");
    expect(matching.hit?.auth).toEqual(auth);
    for (const image of ["example.org/app", "a.b.example.org/app", "a.example.org:5000/app"]) {
      const result = await throughChain({ command: path }, image);
      expect(result.hit).toBeNull();
      expect(result.errors).toEqual([]);
      expectNoSecret(result.messages);
    }
    expectNoSecret(matching.messages);
  });

  test("path keys match images under that path only, and the answer is then only for the image", async () => {
    const auth = { "reg.example.org/team": { username: "team", password: SECRET } };
    const { path } = echoingProvider({ cacheKeyType: "Registry", auth });
    const inside = await throughChain({ command: path }, "reg.example.org/team/app");
    expect(inside.hit?.auth).toEqual(auth);
    expect(inside.hit?.cacheKeyType).toBe("Image");
    const outside = await throughChain({ command: path }, "reg.example.org/other/app");
    expect(outside.hit).toBeNull();
    expectNoSecret([...inside.messages, ...outside.messages]);
  });

  test("URL keys are matched as the kubelet files them: scheme and /v1/ or /v2/ dropped", async () => {
    const auth = { "https://reg.example.org/v2/": { username: "url", password: SECRET } };
    const { path } = echoingProvider({ cacheKeyType: "Registry", auth });
    const { hit, messages } = await throughChain({ command: path }, "reg.example.org/app");
    expect(hit?.auth).toEqual(auth);
    expect(hit?.cacheKeyType).toBe("Registry");
    expectNoSecret(messages);
  });

  test("Docker Hub: an index.docker.io key is used for docker.io images, as the kubelet's keyring does", async () => {
    for (const key of ["https://index.docker.io/v1/", "index.docker.io"]) {
      const auth = { [key]: { username: "hub", password: SECRET } };
      const { path } = echoingProvider({ cacheKeyType: "Registry", auth });
      const { hit } = await throughChain({ command: path }, "docker.io/library/nginx");
      expect(hit?.auth).toEqual(auth);
    }
  });

  test("no auth, or an empty or null one, is a miss", async () => {
    for (const response of [{ cacheKeyType: "Registry" }, { cacheKeyType: "Registry", auth: {} }, { cacheKeyType: "Registry", auth: null }]) {
      const { path } = echoingProvider(response);
      const { hit, errors } = await throughChain({ command: path }, "reg.example.org/app");
      expect(errors).toEqual([]);
      expect(hit).toBeNull();
    }
  });

  test("a command name is found on the PATH of our environment", async () => {
    const { dir } = echoingProvider({ cacheKeyType: "Registry", auth: AUTH });
    const found = await lookup({ command: "fake-provider" }, "reg.example.org/app", { PATH: `${dir}:${SYSTEM_PATH}` });
    expect(found.hit?.source).toBe("exec fake-provider");
    const missing = await lookup({ command: "fake-provider" }, "reg.example.org/app", { PATH: SYSTEM_PATH });
    expect(missing.error).toBeInstanceOf(BackendError);
    expect((missing.error as Error).message).toBe("fake-provider not found on PATH");
    expectNoSecret([...found.messages, ...missing.messages]);
  });

  test("args and env options reach the child, on top of our environment", async () => {
    const { path } = fakeProvider(
      [
        "cat > /dev/null",
        "cat <<EOF",
        '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Registry",',
        ' "auth":{"reg.example.org":{"username":"$1|$2|$EXTRA|$OURS|$SHARED","password":"' + SECRET + '"}}}',
        "EOF",
      ].join("\n"),
    );
    const { hit, messages } = await lookup(
      { command: path, args: ["--first", "two words"], env: { EXTRA: "from-option", SHARED: "option-wins" } },
      "reg.example.org/app",
      { PATH: SYSTEM_PATH, OURS: "from-our-env", SHARED: "ours" },
    );
    expect(hit?.auth["reg.example.org"]?.username).toBe("--first|two words|from-option|from-our-env|option-wins");
    expectNoSecret(messages);
  });
});

describe("exec backend: matchImages", () => {
  function markerProvider() {
    const dir = tempDir();
    const marker = join(dir, "ran");
    const { path } = fakeProvider(
      `touch '${marker}'\ncat > /dev/null\necho '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Registry","auth":{"*.example.org":{"username":"u","password":"${SECRET}"}}}'`,
    );
    return { path, marker };
  }

  test("an image no pattern matches: a miss, and the command never runs", async () => {
    const { path, marker } = markerProvider();
    const { hit, error, messages } = await lookup(
      { command: path, matchImages: ["*.example.org", "reg.example.org:5000/team"] },
      "reg.other.org/app",
    );
    expect(error).toBeNull();
    expect(hit).toBeNull();
    expect(existsSync(marker)).toBe(false);
    // Ports and paths follow the kubelet's rules too.
    const wrongPath = await lookup({ command: path, matchImages: ["reg.example.org:5000/team"] }, "reg.example.org:5000/other/app");
    expect(wrongPath.hit).toBeNull();
    expect(existsSync(marker)).toBe(false);
    expectNoSecret([...messages, ...wrongPath.messages]);
  });

  test("an image a pattern matches: the command runs", async () => {
    const { path, marker } = markerProvider();
    const { hit, messages } = await lookup(
      { command: path, matchImages: ["other.org", "*.example.org"] },
      "reg.example.org/app",
    );
    expect(existsSync(marker)).toBe(true);
    expect(hit?.auth).toEqual({ "*.example.org": { username: "u", password: SECRET } });
    expectNoSecret(messages);
  });
});

describe("exec backend: failures", () => {
  async function expectFailure(script: string, pattern: RegExp, options: Record<string, unknown> = {}) {
    const { path } = fakeProvider(script);
    const { hit, error, messages } = await lookup({ command: path, ...options }, "reg.example.org/app");
    expect(hit).toBeNull();
    expect(error).toBeInstanceOf(BackendError);
    const message = (error as Error).message;
    expect(message).toContain(path); // names the command
    expect(message).toMatch(pattern);
    expectNoSecret(messages);
    return message;
  }

  const V1 = "credentialprovider.kubelet.k8s.io/v1";
  const respond = (json: string) => `cat > /dev/null\ncat <<'EOF'\n${json}\nEOF`;
  const good = (extra = "") =>
    `{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry"${extra},"auth":{"reg.example.org":{"username":"u","password":"${SECRET}"}}}`;

  test("junk on stdout", async () => {
    await expectFailure(respond(`password=${SECRET}`), /invalid JSON at line 1, column 1/);
    await expectFailure(respond(`{"auth": ${SECRET}}`), /invalid JSON at line 1, column 10/);
  });

  test("JSON that is not an object", async () => {
    await expectFailure(respond(`[${good()}]`), /invalid response: the document must be a JSON object$/);
    await expectFailure(respond(`"${SECRET}"`), /invalid response: the document must be a JSON object$/);
  });

  test("nothing on stdout", async () => {
    await expectFailure("cat > /dev/null", /printed nothing on stdout/);
  });

  test("two JSON documents", async () => {
    await expectFailure(respond(`${good()}\n${good()}`), /invalid JSON at line 2, column 1: unexpected text after/);
  });

  test("an unknown field", async () => {
    await expectFailure(respond(good(`,"extra":"${SECRET}"`)), /invalid response: unknown field number 4 of the document$/);
    await expectFailure(
      respond(`{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","auth":{"reg.example.org":{"username":"u","password":"${SECRET}","token":"${SECRET}"}}}`),
      /unknown field number 3 of field "auth.<key 1>"$/,
    );
  });

  test("a wrongly-cased field", async () => {
    await expectFailure(
      respond(`{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","Auth":{"reg.example.org":{"username":"u","password":"${SECRET}"}}}`),
      /unknown field number 4 of the document$/,
    );
  });

  test("a repeated key", async () => {
    await expectFailure(
      respond(`{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","auth":{"reg.example.org":{"username":"u","password":"x","password":"${SECRET}"}}}`),
      /invalid JSON at line 1, column \d+: duplicate key$/,
    );
  });

  test("a numeric cacheDuration", async () => {
    await expectFailure(respond(good(`,"cacheDuration":300`)), /field "cacheDuration" must be a string/);
    await expectFailure(respond(good(`,"cacheDuration":"5 minutes"`)), /field "cacheDuration" is not a Go duration/);
  });

  test("a missing or wrong cacheKeyType", async () => {
    await expectFailure(
      respond(`{"apiVersion":"${V1}","kind":"CredentialProviderResponse","auth":{"reg.example.org":{"username":"u","password":"${SECRET}"}}}`),
      /missing field "cacheKeyType"/,
    );
    await expectFailure(respond(good().replace('"Registry"', '"registry"')), /field "cacheKeyType" must be one of/);
  });

  test("a password that is not a string", async () => {
    await expectFailure(
      respond(`{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","auth":{"reg.example.org":{"username":"u","password":12345}}}`),
      /field "auth\.<key 1>\.password" must be a string$/,
    );
  });

  test("an apiVersion other than the one we sent", async () => {
    const message = await expectFailure(
      respond(good().replace(V1, "credentialprovider.kubelet.k8s.io/v1beta1")),
      /answered with apiVersion credentialprovider\.kubelet\.k8s\.io\/v1beta1, but was asked in credentialprovider\.kubelet\.k8s\.io\/v1$/,
    );
    expect(message).not.toContain(SECRET);
    await expectFailure(respond(good().replace(V1, "v1")), /field "apiVersion" must be one of/);
  });

  test("a wrong kind", async () => {
    await expectFailure(respond(good().replace("CredentialProviderResponse", "CredentialProviderRequest")), /field "kind"/);
  });

  test("a non-zero exit, even after a valid answer", async () => {
    await expectFailure(`cat > /dev/null\necho 'fake-provider: no credentials (expected in this test)' >&2\nexit 3`, /exited with status 3$/);
    await expectFailure(`${respond(good())}\nexit 1`, /exited with status 1$/);
  });

  test("killed by a signal", async () => {
    await expectFailure(`cat > /dev/null\nkill -TERM $$`, /was killed by SIGTERM$/);
  });

  test("output over the cap", async () => {
    await expectFailure(respond(good()), /printed more than 64 bytes on stdout and was killed$/, { maxOutputBytes: 64 });
    // A provider that never stops writing is cut off too.
    await expectFailure(`exec yes '${SECRET}'`, /printed more than 1000 bytes on stdout and was killed$/, { maxOutputBytes: 1000 });
  });

  test("an answer exactly at the cap is fine", async () => {
    const json = good();
    const { path } = fakeProvider(`cat > /dev/null\nprintf '%s' '${json}'`);
    const { hit, messages } = await lookup({ command: path, maxOutputBytes: Buffer.byteLength(json) }, "reg.example.org/app");
    expect(hit?.auth).toEqual({ "reg.example.org": { username: "u", password: SECRET } });
    expectNoSecret(messages);
  });

  test("a command that does not exist or cannot be executed", async () => {
    const dir = tempDir();
    const missing = await lookup({ command: join(dir, "nothing-here") }, "reg.example.org/app");
    expect((missing.error as Error).message).toBe(`${join(dir, "nothing-here")} could not be started (no such file)`);
    const notExecutable = join(dir, "not-executable");
    writeFileSync(notExecutable, "#!/bin/sh\nexit 0\n");
    chmodSync(notExecutable, 0o644);
    const denied = await lookup({ command: notExecutable }, "reg.example.org/app");
    expect(denied.error).toBeInstanceOf(BackendError);
    expect((denied.error as Error).message).toBe(`${notExecutable} could not be started (permission denied: is it executable?)`);
  });
});

describe("exec backend: timeout", () => {
  async function grandchildAfterTimeout(script: (pidFile: string) => string) {
    const dir = tempDir();
    const pidFile = join(dir, "grandchild.pid");
    const { path } = fakeProvider(script(pidFile));
    const { hit, error, messages } = await lookup({ command: path, timeout: "1s" }, "reg.example.org/app");
    expect(existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    strayPids.push(pid);
    expect(hit).toBeNull();
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(`${path} did not answer within 1s and was killed`);
    expect(await waitUntilGone(pid)).toBe(true);
    expectNoSecret(messages);
  }

  test("a hanging provider is killed with its whole process group", async () => {
    await grandchildAfterTimeout((pidFile) => `sleep 1000 &\necho $! > '${pidFile}'\nexec sleep 1000`);
  });

  test("a provider that exits but leaves a child holding stdout open", async () => {
    await grandchildAfterTimeout((pidFile) => `sleep 1000 &\necho $! > '${pidFile}'\nexit 0`);
  });
});

describe("exec backend: options", () => {
  const context = recordingContext({ PATH: SYSTEM_PATH });
  const cases: [string, unknown, RegExp][] = [
    ["no command", {}, /missing field "command"/],
    ["empty command", { command: "" }, /field "command" must not be empty/],
    ["relative path", { command: "./bin/provider" }, /field "command" must be an absolute path or a command name/],
    ["unknown key", { command: "p", comand: "p" }, /unknown field "comand"/],
    ["args not strings", { command: "p", args: [1] }, /field "args.0" must be a string/],
    ["env key with =", { command: "p", env: { "A=B": "x" } }, /field "env.<key 1>" must be a variable name/],
    ["env value not a string", { command: "p", env: { A: 1 } }, /field "env.<key 1>" must be a string/],
    ["unknown apiVersion", { command: "p", apiVersion: "v1" }, /field "apiVersion" must be one of/],
    ["empty matchImages", { command: "p", matchImages: [] }, /field "matchImages" must not be empty/],
    ["a matchImages pattern with a scheme", { command: "p", matchImages: ["a.org", "https://b.org"] }, /field "matchImages\.1" has a scheme/],
    ["timeout not a duration", { command: "p", timeout: "10" }, /field "timeout" is not a Go duration/],
    ["timeout zero", { command: "p", timeout: "0s" }, /field "timeout" must be greater than zero/],
    ["timeout negative", { command: "p", timeout: "-1s" }, /field "timeout" must be greater than zero/],
    ["timeout a number", { command: "p", timeout: 10 }, /field "timeout" must be a string/],
    ["maxOutputBytes zero", { command: "p", maxOutputBytes: 0 }, /field "maxOutputBytes" must be at least 1/],
    ["maxOutputBytes fraction", { command: "p", maxOutputBytes: 1.5 }, /field "maxOutputBytes" must be a whole number/],
  ];
  for (const [what, options, pattern] of cases) {
    test(what, () => {
      expect(() => makeBackend("exec", "my-exec", options, context)).toThrow(BackendOptionsError);
      expect(() => makeBackend("exec", "my-exec", options, context)).toThrow(/^backend "my-exec": /);
      expect(() => makeBackend("exec", "my-exec", options, context)).toThrow(pattern);
    });
  }

  test("valid options", () => {
    expect(() =>
      makeBackend("exec", "exec",
        {
          command: "/usr/local/bin/ecr-credential-provider",
          args: ["get-credentials"],
          env: { AWS_PROFILE: "x" },
          apiVersion: "credentialprovider.kubelet.k8s.io/v1beta1",
          matchImages: ["*.dkr.ecr.*.amazonaws.com"],
          timeout: "1m",
          maxOutputBytes: 4096,
        },
        context,
      ),
    ).not.toThrow();
  });

  test("an env option value is never echoed in an error", () => {
    expect(() => makeBackend("exec", "exec", { command: "p", env: { TOKEN: SECRET }, timeout: SECRET }, context)).toThrow(
      /"timeout"/,
    );
    try {
      makeBackend("exec", "exec", { command: "p", env: { TOKEN: SECRET }, timeout: SECRET }, context);
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET);
    }
  });
});
