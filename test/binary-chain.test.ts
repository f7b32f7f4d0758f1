// The configurable chain through the compiled binary: --backends, --config, the env backend with
// the kubelet's environment, and another provider run by the exec backend.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request, runChecked } from "./support/binary.ts";
import { echoingProvider } from "./support/fake-provider.ts";
import { dockerLogin, putScript, scratchDirectory } from "./support/files.ts";
import { kubeletCredentialsFor, kubeletDecode } from "./support/kubelet.ts";

const SECRET = "fake-chain-secret-5555";
const V1 = "credentialprovider.kubelet.k8s.io/v1";
const V1BETA1 = "credentialprovider.kubelet.k8s.io/v1beta1";
const PATH = "/usr/bin:/bin";
let dir: string;
const put = scratchDirectory("gcp-chain-", (created) => (dir = created));

function provider(stdin: string, args: string[], env: Record<string, string> = {}) {
  return runChecked({ stdin, args: ["--syslog-socket", "", ...args], env: { PATH, ...env } }, [SECRET]);
}

const envCreds = (key: string, user: string) => ({
  [`CREDENTIAL_PROVIDER_${key}_USERNAME`]: user,
  [`CREDENTIAL_PROVIDER_${key}_PASSWORD`]: SECRET,
});

describe("env backend through the binary", () => {
  test("the kubelet's env entries answer, most specific key first, port kept", () => {
    const env = { ...envCreds("EXAMPLE_ORG", "suffix"), ...envCreds("REGISTRY_EXAMPLE_ORG_5000", "exact"), CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_5000_DURATION: "0h2m" };
    const { code, stdout } = provider(request("registry.example.org:5000/team/app"), ["--backends", "env", "--debug"], env);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"2m0s",` +
        `"auth":{"registry.example.org:5000":{"username":"exact","password":"${SECRET}"}}}\n`,
    );
  });

  test("default chain: file before env; --backends env,file reverses it", () => {
    const credroot = join(dir, "creds");
    mkdirSync(credroot);
    writeFileSync(join(credroot, "example.org.json"), JSON.stringify({ username: "from-file", password: SECRET }));
    const env = envCreds("EXAMPLE_ORG", "from-env");
    const byDefault = kubeletDecode(provider(request("example.org/x"), ["-c", credroot], env).stdout, V1);
    expect(byDefault.auth?.["example.org"]?.username).toBe("from-file");
    const envFirst = kubeletDecode(provider(request("example.org/x"), ["-c", credroot, "--backends", "env,file"], env).stdout, V1);
    expect(envFirst.auth?.["example.org"]?.username).toBe("from-env");
  });

  test("a broken backend is reported and the next one answers", () => {
    const credroot = join(dir, "creds");
    mkdirSync(credroot);
    writeFileSync(join(credroot, "example.org.json"), `{"password": "${SECRET}",}`);
    const { code, stdout, stderr } = provider(request("example.org/x"), ["-c", credroot], envCreds("EXAMPLE_ORG", "from-env"));
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth?.["example.org"]?.username).toBe("from-env");
    expect(stderr).toContain(`warning: backend file: ${join(credroot, "example.org.json")}: invalid JSON at line 1`);
  });

  test("a bad duration variable names the variable, not the value", () => {
    const env = { ...envCreds("EXAMPLE_ORG", "u"), CREDENTIAL_PROVIDER_EXAMPLE_ORG_DURATION: SECRET };
    const { code, stderr } = provider(request("example.org/x"), ["--backends", "env"], env);
    expect(code).toBe(1);
    expect(stderr).toContain("CREDENTIAL_PROVIDER_EXAMPLE_ORG_DURATION is not a Go duration");
  });
});

describe("config file through the binary", () => {
  test("two file backends over two directories, in the configured order", () => {
    const one = join(dir, "one");
    const two = join(dir, "two");
    mkdirSync(one);
    mkdirSync(two);
    writeFileSync(join(two, "example.org.json"), JSON.stringify({ username: "two", password: SECRET }));
    writeFileSync(join(one, "other.org.json"), JSON.stringify({ username: "one", password: SECRET }));
    const config = put("config.json", {
      backends: [
        { type: "file", name: "one", dir: one },
        { type: "file", name: "two", dir: two },
      ],
      defaultCacheDuration: "90s",
    });
    const { code, stdout, stderr } = provider(request("example.org/x"), ["--config", config, "--debug"]);
    expect(code).toBe(0);
    const response = kubeletDecode(stdout, V1);
    expect(response.auth?.["example.org"]?.username).toBe("two");
    expect(response.cacheDuration).toBe("1m30s");
    expect(stderr).toContain("asking backend one");
    expect(stderr).toContain("backend two answered from two example.org.json");
  });

  test("a config error exits 2 before reading the request", () => {
    const config = put("config.json", { backends: [{ type: "env", prefx: "X_" }] });
    const { code, stdout, stderr } = provider(request("example.org/x"), ["--config", config]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe('generic-credential-provider: error: backend "env": unknown field "prefx"\n');
  });

  test("onMiss empty from the config file; --on-miss overrides it", () => {
    const config = put("config.json", { backends: [{ type: "env" }], onMiss: "empty" });
    const empty = provider(request("example.org/x"), ["--config", config]);
    expect(empty.code).toBe(0);
    expect(kubeletDecode(empty.stdout, V1)).toMatchObject({ cacheDuration: "0s", auth: {} });
    const error = provider(request("example.org/x"), ["--config", config, "--on-miss", "error"]);
    expect(error.code).toBe(1);
    expect(error.stderr).toContain("example.org is an unknown source");
  });
});

describe("the global cacheDuration applies to every backend that sets none", () => {
  // docker-config and helper once defaulted their own cacheDuration to 5m, hiding these settings.
  function dockerConfig(): string {
    return put("docker.json", { auths: { "registry.example.org": dockerLogin("dc-user", SECRET) } });
  }
  function fakeHelper(): string {
    putScript(dir, "bin/docker-credential-fake", `printf '{"Username":"helper-user","Secret":"${SECRET}"}'`);
    return join(dir, "bin");
  }

  test("--cache-duration for docker-config and helper answers", () => {
    const viaDockerConfig = provider(request("registry.example.org/x"), ["--backends", "docker-config", "--docker-config", dockerConfig(), "--cache-duration", "42s"]);
    expect(kubeletDecode(viaDockerConfig.stdout, V1)).toMatchObject({ cacheDuration: "42s", auth: { "registry.example.org": { username: "dc-user" } } });
    const bin = fakeHelper();
    const config = put("helper.json", { backends: [{ type: "helper", helper: "fake", matchImages: ["registry.example.org"] }] });
    const viaHelper = provider(request("registry.example.org/x"), ["--config", config, "--cache-duration", "42s"], { PATH: `${bin}:${PATH}` });
    expect(kubeletDecode(viaHelper.stdout, V1)).toMatchObject({ cacheDuration: "42s", auth: { "registry.example.org": { username: "helper-user" } } });
  });

  test("defaultCacheDuration from the config file; a backend's own cacheDuration still wins", () => {
    const files = [dockerConfig()];
    const global = put("global.json", { backends: [{ type: "docker-config", files }], defaultCacheDuration: "2m" });
    expect(kubeletDecode(provider(request("registry.example.org/x"), ["--config", global]).stdout, V1).cacheDuration).toBe("2m0s");
    const own = put("own.json", { backends: [{ type: "docker-config", files, cacheDuration: "3m" }], defaultCacheDuration: "2m" });
    expect(kubeletDecode(provider(request("registry.example.org/x"), ["--config", own]).stdout, V1).cacheDuration).toBe("3m0s");
  });
});

describe("exec backend through the binary", () => {
  /** A fake kubelet credential provider: answers in the apiVersion it was asked, with these keys. */
  function fakeProvider(keys: string[], before = ""): string {
    const auth = Object.fromEntries(keys.map((key) => [key, { username: "exec-user", password: SECRET }]));
    return echoingProvider(dir, { cacheKeyType: "Image", cacheDuration: "1m", auth }, before);
  }

  test("another provider's answer passes through when a key matches the image", () => {
    const command = fakeProvider(["*.dkr.example.com", "other.example.com"]);
    const config = put("config.json", {
      backends: [{ type: "exec", name: "cloud", command, apiVersion: V1BETA1, matchImages: ["*.dkr.example.com"] }],
    });
    const { code, stdout } = provider(request("123.dkr.example.com/team/app:v1"), ["--config", config]);
    expect(code).toBe(0);
    const response = kubeletDecode(stdout, V1); // we answer the kubelet in its version, not the child's
    expect(response.cacheKeyType).toBe("Image");
    expect(response.cacheDuration).toBe("1m0s");
    expect(kubeletCredentialsFor(response, "123.dkr.example.com/team/app").map((c) => c.key)).toEqual(["*.dkr.example.com"]);
  });

  test("an image outside matchImages does not run the provider", () => {
    const marker = join(dir, "ran");
    const command = fakeProvider(["*.dkr.example.com"], `touch '${marker}'`);
    const config = put("config.json", { backends: [{ type: "exec", command, matchImages: ["*.dkr.example.com"] }] });
    const { code } = provider(request("registry.example.org/x"), ["--config", config]);
    expect(code).toBe(1);
    expect(existsSync(marker)).toBe(false);
  });

  test("an answer whose keys do not match the image is a miss", () => {
    const command = fakeProvider(["other.example.com"]);
    const config = put("config.json", { backends: [{ type: "exec", command }], onMiss: "empty" });
    const { code, stdout } = provider(request("registry.example.org/x"), ["--config", config]);
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth).toEqual({});
  });

  test("a failing provider is a broken backend; the chain goes on", () => {
    const path = putScript(dir, "broken-provider", `echo 'not json ${SECRET}'`);
    const config = put("config.json", { backends: [{ type: "exec", command: path }, { type: "env" }] });
    const { code, stdout, stderr } = provider(request("example.org/x"), ["--config", config], envCreds("EXAMPLE_ORG", "env"));
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth?.["example.org"]?.username).toBe("env");
    expect(stderr).toContain(`warning: backend exec: ${path} printed an invalid response: invalid JSON at line 1, column 1`);
  });
});
