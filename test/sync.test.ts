// `sync` as the DaemonSet runs it: the compiled binary mirroring a Secret volume, written exactly
// as the kubelet's atomic writer does (test/support/secret-volume.ts), into a node's credential
// directory. Every step waits for sync's own report of the change, read as it arrives: the timer
// is set to an hour, so a change seen at once was seen through the watch on the directory.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, runBinary } from "./support/binary.ts";
import { followOutput, type FollowedOutput } from "./support/processes.ts";
import { writeSecretVersion, type Payload } from "./support/secret-volume.ts";

const PASSWORD_1 = "fake-sync-password-1111";
const PASSWORD_2 = "fake-sync-password-2222";
const PASSWORD_B = "fake-sync-password-bbbb";
const OUTSIDE_PASSWORD = "fake-outside-password-9999";
const SECRETS = [PASSWORD_1, PASSWORD_2, PASSWORD_B, OUTSIDE_PASSWORD];
const creds = (password: string, extra: object = {}) => JSON.stringify({ username: "fleet", password, ...extra });

let dir: string;
let secret: string;
let node: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gcp-sync-"));
  secret = join(dir, "secret");
  node = join(dir, "node", "etc", "kubernetes", "registry");
  mkdirSync(secret);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o7777;

/** The node directory as name -> [mode, content], and the directory's own mode. */
function nodeState(): { dirMode: number; files: Record<string, [number, string]> } {
  const files: Record<string, [number, string]> = {};
  for (const name of readdirSync(node).sort()) files[name] = [mode(join(node, name)), readFileSync(join(node, name), "utf8")];
  return { dirMode: mode(node), files };
}
const expected = (payload: Payload) => ({
  dirMode: 0o700,
  files: Object.fromEntries(Object.entries(payload).map(([name, content]): [string, [number, string]] => [name, [0o600, content]])),
});

function syncOnce(extra: string[] = []) {
  const result = runBinary({ stdin: "", args: ["sync", "--from", secret, "--to", node, "--once", "--syslog-socket", "", ...extra] });
  for (const value of SECRETS) expect(result.stdout + result.stderr).not.toContain(value);
  return result;
}

describe("sync follows every update of a Secret volume", () => {
  let child: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
  let stdout: FollowedOutput;
  let stderr: FollowedOutput;
  let home: string;
  let steps = 0;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "gcp-sync-home-"));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** Writes the Secret's next version and waits until sync has reported each of `changes`. */
  async function update(payload: Payload, changes: string[]): Promise<void> {
    const from = stdout.text().length;
    writeSecretVersion(secret, payload, 0o644);
    for (const change of changes) await stdout.waitFor(new RegExp(`^sync: ${change}$`, "m"), from, 5_000);
    steps++;
  }

  test("create, update, a key removed, the Secret emptied; then SIGTERM", async () => {
    // The kubelet mounts the volume before the container starts: here, with no keys yet.
    writeSecretVersion(secret, {});
    child = Bun.spawn([BINARY, "sync", "--from", secret, "--to", node, "--interval", "1h", "--syslog-socket", ""], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: "/usr/bin:/bin", HOME: home },
    });
    stdout = followOutput(child.stdout, "sync's stdout");
    stderr = followOutput(child.stderr, "sync's stderr");
    await stdout.waitFor(/^sync: watching .* \(re-sync every 1h0m0s\)$/m);
    expect(nodeState()).toEqual(expected({}));

    const a1 = creds(PASSWORD_1, { duration: "5m" });
    const b = creds(PASSWORD_B);
    await update({ "registry.example.org.json": a1, "b.example.org.json": b }, ["added b.example.org.json", "added registry.example.org.json"]);
    expect(nodeState()).toEqual(expected({ "b.example.org.json": b, "registry.example.org.json": a1 }));

    const a2 = creds(PASSWORD_2);
    await update({ "registry.example.org.json": a2, "b.example.org.json": b }, ["updated registry.example.org.json"]);
    expect(nodeState()).toEqual(expected({ "b.example.org.json": b, "registry.example.org.json": a2 }));

    await update({ "registry.example.org.json": a2 }, ["removed b.example.org.json"]);
    expect(nodeState()).toEqual(expected({ "registry.example.org.json": a2 }));

    await update({}, ["removed registry.example.org.json"]);
    expect(nodeState()).toEqual(expected({}));
    expect(steps).toBe(4);

    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    await Promise.all([stdout.ended, stderr.ended]);
    expect(stdout.text()).toEndWith("sync: stopped by SIGTERM\n");
    expect(stderr.text()).toBe("");
    for (const value of SECRETS) expect(stdout.text()).not.toContain(value);
  });
});

describe("sync --once", () => {
  test("copies each *.json key with mode 0600 into a 0700 directory it creates, whatever the Secret's modes", () => {
    writeSecretVersion(secret, { "registry.example.org.json": creds(PASSWORD_1) }, 0o444);
    const { code, stdout, stderr } = syncOnce();
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: "sync: added registry.example.org.json\n", stderr: "" });
    expect(nodeState()).toEqual(expected({ "registry.example.org.json": creds(PASSWORD_1) }));
    // Nothing to do the second time: nothing rewritten, nothing said.
    expect(syncOnce()).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("a link that leads outside --from is refused by name and nothing is read through it", () => {
    const outside = join(dir, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "stolen.json"), creds(OUTSIDE_PASSWORD));
    writeSecretVersion(secret, { "registry.example.org.json": creds(PASSWORD_1) });
    symlinkSync(join(outside, "stolen.json"), join(secret, "absolute.json"));
    symlinkSync("../outside/stolen.json", join(secret, "relative.json"));
    symlinkSync(join("..data", "..", "..", "outside", "stolen.json"), join(secret, "through-data.json"));
    const { code, stdout, stderr } = syncOnce();
    expect(code).toBe(1);
    expect(stdout).toBe("sync: added registry.example.org.json\n");
    for (const name of ["absolute.json", "relative.json", "through-data.json"]) {
      expect(stderr).toContain(`warning: sync: ${name} resolves outside ${secret}: not copied`);
    }
    expect(readdirSync(node)).toEqual(["registry.example.org.json"]);
  });

  test("..data itself pointing outside --from: every key behind it is refused", () => {
    const outside = join(dir, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "registry.example.org.json"), creds(OUTSIDE_PASSWORD));
    symlinkSync(outside, join(secret, "..data"));
    symlinkSync("..data/registry.example.org.json", join(secret, "registry.example.org.json"));
    const { code, stderr } = syncOnce();
    expect(code).toBe(1);
    expect(stderr).toContain(`registry.example.org.json resolves outside ${secret}: not copied`);
    expect(readdirSync(node)).toEqual([]);
  });

  test("other keys and invalid credential files are reported by name and not copied; the node keeps its copy of a refused key", () => {
    writeSecretVersion(secret, { "registry.example.org.json": creds(PASSWORD_1) });
    expect(syncOnce().code).toBe(0);
    writeSecretVersion(secret, {
      "registry.example.org.json": JSON.stringify({ username: "fleet", pasword: PASSWORD_2 }),
      "broken.example.org.json": `{"password": ${PASSWORD_2}`,
      "README.md": `not a credential: ${PASSWORD_2}`,
      ".dockerconfigjson": JSON.stringify({ auths: { x: { auth: PASSWORD_2 } } }),
    });
    const { code, stdout, stderr } = syncOnce();
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('warning: sync: registry.example.org.json: unknown field "pasword"');
    expect(stderr).toContain("warning: sync: broken.example.org.json: invalid JSON");
    expect(stderr).toContain("warning: sync: README.md is not a *.json credential file: not copied");
    expect(stderr).toContain("warning: sync: .dockerconfigjson is not a *.json credential file: not copied");
    expect(nodeState()).toEqual(expected({ "registry.example.org.json": creds(PASSWORD_1) }));
  });

  test("the node directory: mode made 0700, a *.json that is no key removed, a crash's temp file removed, links replaced and never written through, subdirectories kept", () => {
    mkdirSync(join(node, "team-a"), { recursive: true, mode: 0o755 });
    chmodSync(node, 0o755);
    writeFileSync(join(node, "stale.example.org.json"), creds("old"));
    writeFileSync(join(node, "notes.txt"), "kept");
    const victim = join(dir, "victim");
    writeFileSync(victim, "untouched");
    symlinkSync(victim, join(node, "registry.example.org.json"));
    writeFileSync(join(node, ".registry.example.org.json.tmp-4242-k3x9"), "left by a crash");
    writeSecretVersion(secret, { "registry.example.org.json": creds(PASSWORD_1) });
    const { code, stdout } = syncOnce();
    expect(code).toBe(0);
    expect(stdout).toBe("sync: updated registry.example.org.json\nsync: removed stale.example.org.json\n");
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(mode(node)).toBe(0o700);
    expect(readdirSync(node).sort()).toEqual(["notes.txt", "registry.example.org.json", "team-a"]);
    expect(lstatSync(join(node, "registry.example.org.json")).isFile()).toBe(true);
    expect(mode(join(node, "registry.example.org.json"))).toBe(0o600);
  });

  test("an unreadable --from fails, and the node directory is left as it is", () => {
    mkdirSync(node, { recursive: true, mode: 0o700 });
    writeFileSync(join(node, "registry.example.org.json"), creds(PASSWORD_1), { mode: 0o600 });
    rmSync(secret, { recursive: true });
    const { code, stderr } = syncOnce();
    expect(code).toBe(1);
    expect(stderr).toContain(`error: sync: cannot read ${secret} (ENOENT)`);
    expect(existsSync(join(node, "registry.example.org.json"))).toBe(true);
  });

  test("usage: both directories, --to outside --from", () => {
    const usage = (args: string[]) => runBinary({ stdin: "", args: ["sync", ...args] });
    expect(usage(["--from", secret])).toMatchObject({ code: 2, stderr: expect.stringContaining("sync needs --from DIR and --to DIR") });
    expect(usage(["--from", secret, "--to", join(secret, "x")])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("option --to must not be --from or inside it"),
    });
    expect(usage(["--from", secret, "--to", node, "--once", "--interval", "1m"]).code).toBe(2);
    expect(usage(["--help"])).toMatchObject({ code: 0, stdout: expect.stringContaining("Usage: generic-credential-provider sync") });
  });
});
