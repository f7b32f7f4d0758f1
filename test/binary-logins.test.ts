// The docker-config backend through the compiled binary against what the real tools do on a node:
// podman login and skopeo login write where they write (as root without XDG_RUNTIME_DIR, that is
// /run/containers/0/auth.json), and when a node holds two logins for one registry, the binary
// answers with the account skopeo pulls with, which the registry then accepts. Everything runs in a
// private mount namespace (test/support/private-mounts.ts), where /run and /root are temp
// directories, so the node's own files are never read or written.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request, runChecked } from "./support/binary.ts";
import { containersTools, type ContainersTools } from "./support/containers-tools.ts";
import { put as putFile } from "./support/files.ts";
import { kubeletCredentialsFor, kubeletDecode } from "./support/kubelet.ts";
import { startPrivateMounts, type PrivateMounts } from "./support/private-mounts.ts";
import { registryAccepts, startRegistry, type Registry } from "./support/registry.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const PATH = "/usr/local/bin:/usr/bin:/bin";
const ALICE = "fake-alice-password-1111";
const BOB = "fake-bob-password-2222";
const PASSWORDS: Record<string, string> = { alice: ALICE, bob: BOB };
const REPOSITORY = "team/app";

let registry: Registry;
let mounts: PrivateMounts;
let tools: ContainersTools;
let toolsDir: string;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry("alice", ALICE, { accounts: { bob: BOB } });
  mounts = await startPrivateMounts();
  toolsDir = mkdtempSync(join(tmpdir(), "gcp-tools-"));
  tools = containersTools(toolsDir, mounts.wrap);
});
afterAll(async () => {
  await registry?.stop();
  await mounts?.stop();
  if (toolsDir) rmSync(toolsDir, { recursive: true, force: true });
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gcp-logins-"));
  // Each test starts with an empty /run/containers in the namespace.
  rmSync(mounts.outside("/run/containers"), { recursive: true, force: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (name: string, content: unknown) => putFile(dir, name, content);
const b64 = (text: string) => Buffer.from(text).toString("base64");
/** An auths entry for an account of the registry; `password` to spell it otherwise (NUL padding). */
const entry = (user: string, password = PASSWORDS[user] as string) => ({ auth: b64(`${user}:${password}`) });
const authFile = (user: string, password?: string) => ({ auths: { [registry.host]: entry(user, password) } });

/**
 * The credential the kubelet would pull `registry/repository` with, from the binary's answer in
 * the namespace, run with `env` (and no XDG_RUNTIME_DIR or HOME unless `env` sets them).
 */
function answer(env: Record<string, string>): { key: string; username: string; password: string } | undefined {
  const image = `${registry.host}/${REPOSITORY}`;
  const { code, stdout, stderr } = runChecked(
    {
      stdin: request(image),
      args: ["--backends", "docker-config", "--syslog-socket", "", "--debug"],
      env: { PATH, HOME: undefined, XDG_RUNTIME_DIR: undefined, ...env },
      wrap: mounts.wrap,
    },
    [ALICE, BOB],
  );
  if (code !== 0) throw new Error(`the binary exited with ${code}: ${stderr}`);
  return kubeletCredentialsFor(kubeletDecode(stdout, V1), image)[0];
}

/** The binary answers the account skopeo pulls with (`expected`), and the registry accepts it. */
async function expectSameAccount(env: Record<string, string>, expected: string) {
  expect(await tools.skopeoAccount(registry, REPOSITORY, env)).toBe(expected);
  const credential = answer(env);
  expect({ username: credential?.username, password: credential?.password }).toEqual({ username: expected, password: PASSWORDS[expected] });
  expect(await registryAccepts(registry, credential?.username ?? "", credential?.password ?? "")).toBe(true);
}

describe("where podman login and skopeo login write, found by the default list", () => {
  test("podman login as root without XDG_RUNTIME_DIR: /run/containers/0/auth.json", async () => {
    const home = join(dir, "home");
    tools.podmanLogin(registry, "alice", ALICE, { HOME: home });
    expect(JSON.parse(readFileSync(mounts.outside("/run/containers/0/auth.json"), "utf8")).auths[registry.host]).toBeDefined();
    expect(existsSync(home)).toBe(false); // nothing under HOME
    await expectSameAccount({ HOME: home }, "alice");
  });

  test("podman login with XDG_RUNTIME_DIR: $XDG_RUNTIME_DIR/containers/auth.json", async () => {
    const env = { HOME: join(dir, "home"), XDG_RUNTIME_DIR: join(dir, "xdg") };
    mkdirSync(env.XDG_RUNTIME_DIR);
    tools.podmanLogin(registry, "bob", BOB, env);
    expect(existsSync(join(env.XDG_RUNTIME_DIR, "containers/auth.json"))).toBe(true);
    expect(existsSync(mounts.outside("/run/containers"))).toBe(false);
    await expectSameAccount(env, "bob");
  });

  test("skopeo login as root without XDG_RUNTIME_DIR: /run/containers/0/auth.json", async () => {
    tools.skopeoLogin(registry, "bob", BOB, { HOME: join(dir, "home") });
    expect(existsSync(mounts.outside("/run/containers/0/auth.json"))).toBe(true);
    await expectSameAccount({ HOME: join(dir, "home") }, "bob");
  });

  test("no HOME: root's home from the password database, /root", async () => {
    putFile(mounts.outside("/root"), ".docker/config.json", authFile("alice"));
    try {
      await expectSameAccount({}, "alice");
    } finally {
      rmSync(mounts.outside("/root/.docker"), { recursive: true, force: true });
    }
  });
});

describe("two logins for one registry: the account skopeo uses, which the registry accepts", () => {
  // [case, files to write (path under dir -> content), the environment, the account]
  const home = () => join(dir, "home");
  const cases: [string, () => Record<string, unknown>, () => Record<string, string>, string][] = [
    [
      "$XDG_RUNTIME_DIR/containers/auth.json before $DOCKER_CONFIG/config.json",
      () => ({ "xdg/containers/auth.json": authFile("alice"), "docker/config.json": authFile("bob") }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg"), DOCKER_CONFIG: join(dir, "docker") }),
      "alice",
    ],
    [
      "$XDG_CONFIG_HOME/containers/auth.json before $DOCKER_CONFIG/config.json",
      () => ({ "config/containers/auth.json": authFile("bob"), "docker/config.json": authFile("alice") }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg"), XDG_CONFIG_HOME: join(dir, "config"), DOCKER_CONFIG: join(dir, "docker") }),
      "bob",
    ],
    [
      "~/.config/containers/auth.json before ~/.docker/config.json",
      () => ({ "home/.config/containers/auth.json": authFile("alice"), "home/.docker/config.json": authFile("bob") }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg") }),
      "alice",
    ],
    [
      "~/.docker/config.json before ~/.dockercfg",
      () => ({ "home/.docker/config.json": authFile("bob"), "home/.dockercfg": { [`https://${registry.host}/v1/`]: entry("alice") } }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg") }),
      "bob",
    ],
    [
      "~/.dockercfg, the legacy format, on its own",
      () => ({ "home/.dockercfg": { [registry.host]: entry("alice") } }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg") }),
      "alice",
    ],
    [
      "$REGISTRY_AUTH_FILE before the runtime auth.json",
      () => ({ "registry-auth.json": authFile("bob"), "xdg/containers/auth.json": authFile("alice") }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg"), REGISTRY_AUTH_FILE: join(dir, "registry-auth.json") }),
      "bob",
    ],
    [
      "an empty entry is no entry: the next file answers",
      () => ({ "xdg/containers/auth.json": { auths: { [registry.host]: {} } }, "home/.docker/config.json": authFile("bob") }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg") }),
      "bob",
    ],
    [
      "NUL padding at both ends of the password is trimmed",
      () => ({ "xdg/containers/auth.json": authFile("alice", `\0\0${ALICE}\0\0\0`) }),
      () => ({ HOME: home(), XDG_RUNTIME_DIR: join(dir, "xdg") }),
      "alice",
    ],
  ];
  for (const [name, files, env, account] of cases) {
    test(name, async () => {
      for (const [path, content] of Object.entries(files())) put(path, content);
      await expectSameAccount(env(), account);
    });
  }

  test("a rootful podman login before ${XDG_CONFIG_HOME}/containers/auth.json", async () => {
    const env = { HOME: home(), XDG_CONFIG_HOME: join(dir, "config") };
    put("config/containers/auth.json", authFile("bob"));
    tools.podmanLogin(registry, "alice", ALICE, { HOME: home() });
    await expectSameAccount(env, "alice");
  });
});
