// The compiled binary, run as the kubelet runs it: request on stdin, args from the provider
// config, an explicit environment; stdout decoded by the kubelet's rules.
import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { API_VERSIONS } from "../src/core/protocol.ts";
import { scratchDirectory } from "./support/files.ts";
import { BINARY, request, runBinary, runChecked } from "./support/binary.ts";
import { kubeletCredentialsFor, kubeletDecode } from "./support/kubelet.ts";

const SECRET = "fake-binary-secret-2222";
const EXAMPLES = resolve(import.meta.dir, "../examples");
const V1 = "credentialprovider.kubelet.k8s.io/v1";

let dir: string;

const put = scratchDirectory("gcp-bin-", (created) => (dir = created));

/** Runs the binary against `dir`; runChecked gives it a syslog listener and checks it for the secret. */
function provider(stdin: string, args: string[] = [], env?: Record<string, string>) {
  // Only the file backend: the default chain would also read the machine's /var/lib/kubelet/config.json.
  return runChecked({ stdin, args: ["--backends", "file", "--credroot", dir, ...args], env }, [SECRET]);
}

describe("the seed README's three manual checks", () => {
  test("1. a known registry returns the authentication value", () => {
    put("registry.example.org.json", { username: "SOME_USERNAME", password: SECRET, duration: "0h5m0s" });
    const { code, stdout, syslog } = provider(request("registry.example.org/org/image:latest"));
    expect(code).toBe(0);
    expect(stdout).toBe(
      `{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"5m0s",` +
        `"auth":{"registry.example.org":{"username":"SOME_USERNAME","password":"${SECRET}"}}}\n`,
    );
    expect(syslog).toEqual([
      `<14>generic-credential-provider[${syslog[0]?.match(/\[(\d+)\]/)?.[1]}]: Credential request fulfilled for registry.example.org by file registry.example.org.json`,
    ]);
  });

  test("2. an unknown registry returns an error message", () => {
    const { code, stdout, stderr, syslog } = provider(request("not-here.tld/test:latest"));
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("not-here.tld is an unknown source");
    expect(syslog).toHaveLength(1);
    expect(syslog[0]).toMatch(/^<11>generic-credential-provider\[\d+\]: Failed to fulfill credential request for not-here\.tld$/);
  });

  test("3. syslog carries the pid of the process, facility user", () => {
    put("example.org.json", { password: SECRET });
    const { syslog } = provider(request("registry.example.org/x"));
    const pid = Number(syslog[0]?.match(/\[(\d+)\]/)?.[1]);
    expect(pid).toBeGreaterThan(1);
    expect(pid).not.toBe(process.pid);
  });
});

describe("syslog is never a reason to fail", () => {
  test("no socket at the syslog path: the answer is still given", () => {
    put("registry.example.org.json", { password: SECRET });
    const result = runBinary({
      stdin: request("registry.example.org/x"),
      args: ["--backends", "file", "--credroot", dir, "--syslog-socket", join(dir, "no-such-socket"), "--debug"],
    });
    expect(result.code).toBe(0);
    kubeletDecode(result.stdout, V1);
    expect(result.stderr).toContain(`syslog: could not send to ${join(dir, "no-such-socket")}`);
    expect(result.stderr).not.toContain(SECRET);
  });
});

describe("protocol", () => {
  for (const apiVersion of API_VERSIONS) {
    test(`answers ${apiVersion} with the same apiVersion`, () => {
      put("registry.example.org.json", { username: "u", password: SECRET });
      const { code, stdout } = provider(request("registry.example.org/app", apiVersion));
      expect(code).toBe(0);
      const response = kubeletDecode(stdout, apiVersion);
      expect(response.apiVersion).toBe(apiVersion);
    });
  }

  // image as sent, the auth key expected, the repository the kubelet then pulls
  const images: [string, string, string][] = [
    ["registry.example.org/org/image:latest", "registry.example.org", "registry.example.org/org/image"],
    ["registry.example.org/org/image", "registry.example.org", "registry.example.org/org/image"],
    [`registry.example.org/org/image@sha256:${"c".repeat(64)}`, "registry.example.org", "registry.example.org/org/image"],
    ["registry.example.org:5000/a/b:tag", "registry.example.org:5000", "registry.example.org:5000/a/b"],
    ["[::1]:5000/x", "[::1]:5000", "[::1]:5000/x"],
    ["localhost:5000/x", "localhost:5000", "localhost:5000/x"],
    ["docker.io/library/nginx", "docker.io", "docker.io/library/nginx"],
    ["nginx", "docker.io", "docker.io/library/nginx"],
    ["library/nginx:1.25", "docker.io", "docker.io/library/nginx"],
  ];
  for (const [image, key, pulled] of images) {
    test(`${image}: the kubelet matches the answer to the image`, () => {
      for (const name of ["registry.example.org", "[::1]:5000", "localhost", "docker.io"]) {
        put(`${name}.json`, { username: name, password: SECRET });
      }
      const { code, stdout } = provider(request(image));
      expect(code).toBe(0);
      const response = kubeletDecode(stdout, V1);
      expect(Object.keys(response.auth ?? {})).toEqual([key]);
      expect(kubeletCredentialsFor(response, pulled).map((c) => c.key)).toEqual([key]);
    });
  }

  test("the old script's port bug is fixed: the key keeps the port", () => {
    put("provider.example.com.json", { username: "u", password: SECRET });
    const response = kubeletDecode(provider(request("provider.example.com:5555/test")).stdout, V1);
    expect(kubeletCredentialsFor(response, "provider.example.com:5555/test")).toHaveLength(1);
  });

  test("unknown request fields, including a service account token, are never logged", () => {
    put("registry.example.org.json", { password: SECRET });
    const token = "fake-sa-token-3333";
    const stdin = JSON.stringify({
      apiVersion: V1,
      kind: "CredentialProviderRequest",
      image: "registry.example.org/x",
      serviceAccountToken: token,
      serviceAccountAnnotations: { "example.org/role": token },
    });
    const { code, stderr, syslog } = provider(stdin, ["--debug"]);
    expect(code).toBe(0);
    expect(stderr).toContain("debug:");
    expect(stderr + syslog.join("")).not.toContain(token);
  });

  test("--debug prints the lookup steps, never a credential", () => {
    put("example.org.json", { username: "debug-user-name", password: SECRET });
    const { code, stderr } = provider(request("a.b.example.org:5000/x"), ["--debug"]);
    expect(code).toBe(0);
    for (const file of ["a.b.example.org:5000.json", "a.b.example.org.json", "b.example.org.json"]) {
      expect(stderr).toContain(`${join(dir, file)} not found`);
    }
    expect(stderr).toContain("answered from file example.org.json");
    expect(stderr).not.toContain("debug-user-name");
  });

  test("--on-miss empty answers with no credentials, uncached", () => {
    const { code, stdout, syslog } = provider(request("not-here.tld/test"), ["--on-miss", "empty"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"0s","auth":{}}\n`);
    expect(syslog[0]).toContain("Failed to fulfill credential request for not-here.tld");
  });
});

describe("bad input gets exit 2 and one line", () => {
  const cases: [string, string, RegExp][] = [
    ["empty stdin", "", /request is not JSON/],
    ["not JSON", "registry.example.org/x", /request is not JSON/],
    ["wrong kind", JSON.stringify({ apiVersion: V1, kind: "Nope", image: "x" }), /kind must be/],
    ["unsupported apiVersion", request("x", "credentialprovider.kubelet.k8s.io/v9"), /unsupported request apiVersion/],
    ["missing image", JSON.stringify({ apiVersion: V1, kind: "CredentialProviderRequest" }), /no "image"/],
    ["empty image", request(""), /"image" must not be empty/],
    ["traversal", request("../../../etc/x"), /invalid image reference/],
    ["slash in host", request("a\\b.example.org/x"), /invalid image reference/],
    ["space in host", request("a b.example.org/x"), /invalid image reference/],
    ["over-long host", request(`${"a".repeat(70)}.example.org/x`), /invalid image reference/],
  ];
  for (const [what, stdin, message] of cases) {
    test(what, () => {
      const { code, stdout, stderr } = provider(stdin);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toMatch(message);
    });
  }

  test("stdin larger than 1 MiB", () => {
    const { code, stdout, stderr } = provider(request(`registry.example.org/${"a".repeat(2 * 1024 * 1024)}`));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("request is larger than 1048576 bytes");
  });

  test("unknown flag", () => {
    const { code, stderr } = provider(request("registry.example.org/x"), ["--frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option --frobnicate");
  });
});

describe("bad credential files through the binary", () => {
  test("a typo'd field names file and field, never the value; the chain reports it", () => {
    put("registry.example.org.json", { username: "u", pasword: SECRET });
    const { code, stderr } = provider(request("registry.example.org/x"));
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, "registry.example.org.json")}: unknown field "pasword"`);
  });

  test("an unreadable file is a broken backend, not a miss", () => {
    // Root reads any file whatever its mode, so when the tests run as root the binary is started
    // as "nobody" (setpriv, util-linux) to meet a real permission error.
    put("registry.example.org.json", { password: SECRET });
    chmodSync(join(dir, "registry.example.org.json"), 0o000);
    chmodSync(dir, 0o755);
    const asRoot = process.getuid?.() === 0;
    const args = ["--backends", "file", "--credroot", dir, "--syslog-socket", ""];
    const result = asRoot
      ? Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BINARY, ...args], {
          stdin: Buffer.from(request("registry.example.org/x")),
          env: { PATH: "/usr/bin:/bin" },
          cwd: "/",
        })
      : Bun.spawnSync([BINARY, ...args], { stdin: Buffer.from(request("registry.example.org/x")), env: { PATH: "/usr/bin:/bin" } });
    const stderr = result.stderr.toString();
    expect(result.exitCode).toBe(1);
    expect(result.stdout.toString()).toBe("");
    expect(stderr).toContain(`${join(dir, "registry.example.org.json")} cannot be opened (permission denied)`);
    expect(stderr).not.toContain(SECRET);
  });
});

describe("the compiled binary ignores its working directory", () => {
  test(".env and bunfig.toml in the cwd are not loaded", () => {
    put("registry.example.org.json", { username: "u", password: SECRET });
    const cwd = join(dir, "cwd");
    put("cwd/evil.ts", 'process.stdout.write("INJECTED");');
    put("cwd/bunfig.toml", 'preload = ["./evil.ts"]\n');
    put("cwd/.env", "BUN_CONFIG_VERBOSE_FETCH=curl\nNODE_OPTIONS=--bad\n");
    const result = runBinary({
      stdin: request("registry.example.org/x"),
      args: ["--backends", "file", "--credroot", dir, "--syslog-socket", ""],
      cwd,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("INJECTED");
    kubeletDecode(result.stdout, V1);
  });
});

describe("the shipped example", () => {
  test("examples/registry answers examples/request.json", () => {
    const result = runBinary({
      stdin: readFileSync(join(EXAMPLES, "request.json"), "utf8"),
      args: ["-c", join(EXAMPLES, "registry"), "--syslog-socket", ""],
    });
    expect(result.code).toBe(0);
    const response = kubeletDecode(result.stdout, V1);
    expect(response.auth?.["registry.example.org"]?.username).toBe("example-user");
  });

  test("--version through the binary", () => {
    expect(runBinary({ stdin: "", args: ["--version"] }).stdout).toBe(`generic-credential-provider version ${packageJson.version}\n`);
  });
});
