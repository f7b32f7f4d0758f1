// The kubelet's own pull path, end to end: the compiled binary answers the kubelet's request, the
// kubelet's keyring picks the credential, and a real containerd pulls through CRI
// ImageService/PullImage with AuthConfig{username, password}, as the kubelet fills it, from a real
// docker-registry with htpasswd authentication, over plain HTTP and over TLS with a test CA. The
// image is built by hand and pushed with skopeo. Needs root (containerd), as CI runs the tests.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request, runChecked } from "./support/binary.ts";
import { startContainerd, type Containerd } from "./support/containerd.ts";
import { CriError } from "./support/cri.ts";
import { put } from "./support/files.ts";
import { kubeletDecode, kubeletPull } from "./support/kubelet.ts";
import { buildOciImage, type OciImage } from "./support/oci-image.ts";
import { isGone } from "./support/processes.ts";
import { pushImage, registryAccepts, skopeoLogin, startRegistry, type Registry } from "./support/registry.ts";
import { makeTestTls } from "./support/tls.ts";
import { serviceAccountToken } from "./support/tokens.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const USER = "cri-user";
// Colons and a non-ASCII letter: they pass through htpasswd, the provider, CRI and basic auth.
const PASSWORD = "fake-cri-pässword:7777";
const STALE = "fake-stale-password-8888";
const SECRETS = [PASSWORD, STALE];
const PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
const REPOSITORY = "gcp/hello";

let work: string;
let image: OciImage;
let containerd: Containerd;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "gcp-cri-"));
  image = buildOciImage(join(work, "image"));
  containerd = await startContainerd(PATH);
});

afterAll(async () => {
  // A safety net for when the last test did not get to stop containerd (stop() may run twice).
  await containerd?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("the hand-built image is the same on every build", () => {
  const again = buildOciImage(join(work, "again"));
  expect(again.manifestDigest).toBe(image.manifestDigest);
  expect(again.configDigest).toBe(image.configDigest);
});

test("containerd serves the kubelet's CRI v1", async () => {
  expect(await containerd.cri.version()).toMatchObject({ runtime_name: "containerd", runtime_api_version: "v1" });
});

/** How a backend is given the registry's credentials, and the flags that choose it. */
type Backend = (dir: string, registry: Registry, password: string) => { args: string[]; env?: Record<string, string> };

const file: Backend = (dir, registry, password) => {
  put(dir, `credroot/${registry.host}.json`, { username: USER, password });
  return { args: ["--backends", "file", "--credroot", join(dir, "credroot")] };
};
const env: Backend = (_dir, registry, password) => {
  const key = `CREDENTIAL_PROVIDER_${registry.host.replace(/[^0-9A-Za-z]/g, "_").toUpperCase()}`;
  return { args: ["--backends", "env"], env: { [`${key}_USERNAME`]: USER, [`${key}_PASSWORD`]: password } };
};
const dockerConfig: Backend = (dir, registry, password) => {
  const authFile = join(dir, "auth.json");
  skopeoLogin(registry, USER, password, authFile); // only the right password: skopeo checks it
  return { args: ["--backends", "docker-config", "--docker-config", authFile] };
};

for (const transport of ["http", "https"] as const) {
  describe(`a registry over ${transport === "http" ? "plain HTTP" : "TLS with a test CA"}`, () => {
    let registry: Registry;
    let repository: string;
    let reference: string;
    let dir: string;

    beforeAll(async () => {
      const tls = transport === "https" ? makeTestTls(join(work, "tls")) : undefined;
      registry = await startRegistry(USER, PASSWORD, tls ? { tls } : {});
      pushImage(registry, USER, PASSWORD, image, REPOSITORY);
      // A loopback registry is plain HTTP to containerd unless a hosts.toml says otherwise.
      if (tls) containerd.configureRegistry(registry.host, registry.url, tls.caCert);
      repository = `${registry.host}/${REPOSITORY}`;
      reference = `${repository}:${image.tag}`;
    });
    afterAll(async () => {
      await registry?.stop();
    });
    beforeEach(async () => {
      dir = mkdtempSync(join(work, "case-"));
      await containerd.cri.removeImage(reference); // so that every pull fetches, and authenticates
    });

    /** The binary's answer to the kubelet's request for the repository, as the kubelet decodes it. */
    function provide(backend: Backend, password: string) {
      const { args, env: backendEnv } = backend(dir, registry, password);
      const { code, stdout } = runChecked(
        { stdin: request(repository), args: ["--syslog-socket", "", ...args], env: { PATH, ...backendEnv } },
        SECRETS,
      );
      expect(code).toBe(0);
      const response = kubeletDecode(stdout, V1);
      expect(response.auth).toEqual({ [registry.host]: { username: USER, password } });
      return response;
    }

    /** Expects the pull to fail with `message` in containerd's error, and nothing pulled. */
    async function expectFailure(pull: Promise<string>, message: string) {
      const error = await pull.catch((error: unknown) => error);
      expect(error).toBeInstanceOf(CriError);
      expect((error as CriError).details).toContain(message);
      expect(await containerd.cri.imageStatus(reference)).toBeNull();
    }

    test("without credentials containerd's pull is refused (401)", async () => {
      await expectFailure(containerd.cri.pullImage(reference), "401 Unauthorized");
    });

    for (const [name, backend] of [["file", file], ["env", env], ["docker-config", dockerConfig]] as const) {
      test(`${name}: containerd pulls with what the binary answered`, async () => {
        const response = provide(backend, PASSWORD);
        expect(await kubeletPull(containerd.cri, response, reference)).toBe(image.configDigest);
        const pulled = await containerd.cri.imageStatus(reference);
        expect(pulled?.id).toBe(image.configDigest);
        expect(pulled?.repo_digests).toEqual([`${repository}@${image.manifestDigest}`]);
      });
    }

    for (const [name, backend] of [["file", file], ["env", env]] as const) {
      test(`${name} answering a stale password: the same pull is refused (401)`, async () => {
        await expectFailure(kubeletPull(containerd.cri, provide(backend, STALE), reference), "401 Unauthorized");
      });
    }

    if (transport === "https") {
      test("containerd checks the registry's certificate: with another CA the right credentials get nowhere", async () => {
        const response = provide(file, PASSWORD);
        containerd.configureRegistry(registry.host, registry.url, makeTestTls(join(dir, "other-tls")).caCert);
        try {
          await expectFailure(kubeletPull(containerd.cri, response, reference), "x509: certificate signed by unknown authority");
        } finally {
          containerd.configureRegistry(registry.host, registry.url, registry.tls?.caCert);
        }
      });
    }

    test("the registry stops; its log never held a password", async () => {
      expect(await registryAccepts(registry, USER, PASSWORD)).toBe(true);
      await registry.stop();
      expect(isGone(registry.pid)).toBe(true);
      expect(registry.log()).toContain("authorized request"); // the log is there, and it was read
      for (const secret of SECRETS) expect(registry.log()).not.toContain(secret);
    });
  });
}

describe("two teams on one registry, each pulling with its own account (service-account token mode)", () => {
  const TEAM_PASSWORD = { "team-a": "fake-team-a-pw-1212", "team-b": "fake-team-b-pw-3434" } as const;
  let registry: Registry;
  let reference: string;
  let args: string[];

  beforeAll(async () => {
    registry = await startRegistry("pusher", PASSWORD, { accounts: { "team-a-user": TEAM_PASSWORD["team-a"], "team-b-user": TEAM_PASSWORD["team-b"] } });
    pushImage(registry, "pusher", PASSWORD, image, REPOSITORY);
    reference = `${registry.host}/${REPOSITORY}:${image.tag}`;
    const dir = mkdtempSync(join(work, "teams-"));
    for (const team of ["team-a", "team-b"] as const) {
      put(dir, `${team}/${registry.host}.json`, { username: `${team}-user`, password: TEAM_PASSWORD[team] });
    }
    const config = put(dir, "config.json", {
      backends: (["team-a", "team-b"] as const).map((team) => ({ type: "file", name: team, dir: join(dir, team), serviceAccounts: [`${team}/*`] })),
    });
    args = ["--config", config];
  });
  afterAll(async () => {
    await registry?.stop();
  });

  for (const team of ["team-a", "team-b"] as const) {
    test(`${team}'s pod pulls with ${team}'s account, and the registry sees that account`, async () => {
      await containerd.cri.removeImage(reference);
      const token = serviceAccountToken({ namespace: team, name: "default" });
      const stdin = request(`${registry.host}/${REPOSITORY}`, V1, { serviceAccountToken: token, serviceAccountAnnotations: {} });
      const { code, stdout } = runChecked({ stdin, args: [...args, "--syslog-socket", ""], env: { PATH } }, [token, ...Object.values(TEAM_PASSWORD)]);
      expect(code).toBe(0);
      const response = kubeletDecode(stdout, V1);
      expect(response.auth).toEqual({ [registry.host]: { username: `${team}-user`, password: TEAM_PASSWORD[team] } });
      expect(await kubeletPull(containerd.cri, response, reference)).toBe(image.configDigest);
      // The registry names the account only on an error: the same pull of a tag that is not there
      // shows which account containerd authenticated with.
      const before = registry.log().length;
      expect(await kubeletPull(containerd.cri, response, `${registry.host}/${REPOSITORY}:missing`).catch((error) => error)).toBeInstanceOf(CriError);
      await registry.waitForLog(/manifest unknown/, before);
      const probeLog = registry.log().slice(before);
      expect(probeLog).toMatch(new RegExp(`auth\\.user\\.name="?${team}-user[" ]`));
      const other = team === "team-a" ? "team-b" : "team-a";
      expect(probeLog).not.toMatch(new RegExp(`auth\\.user\\.name="?(${other}-user|pusher)[" ]`));
    });
  }
});

test("containerd stops on SIGTERM, leaves no process or mount, and its log never held a password", async () => {
  expect(await containerd.stop()).toEqual({ status: 0, signal: null, leftovers: { processes: [], mounts: [] } });
  expect(isGone(containerd.pid)).toBe(true);
  expect(containerd.log()).toContain("PullImage"); // the pulls are in the log that was read
  for (const secret of SECRETS) expect(containerd.log()).not.toContain(secret);
});
