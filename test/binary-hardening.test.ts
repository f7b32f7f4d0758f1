// What a hostile or careless node can do to the provider, through the compiled binary: files that
// would hang it or fill its memory, children that hang or escape, a stdin that never closes, deep
// JSON, broken output streams, and configuration mistakes. Each must end at once (bunfig's
// per-test timeout would fail a hang), with a clear message, no secret anywhere and no process left.
import { describe, expect, test } from "bun:test";
import { closeSync, constants, mkdirSync, openSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, request, runChecked } from "./support/binary.ts";
import { echoingProvider } from "./support/fake-provider.ts";
import { dockerLogin, mkfifo, putScript, scratchDirectory } from "./support/files.ts";
import { kubeletDecode } from "./support/kubelet.ts";
import { isGone, waitUntilGone } from "./support/processes.ts";
import { SyslogListener } from "./support/syslog-listener.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const SECRET = "fake-hardening-secret-4343";
const PATH = "/usr/bin:/bin";
let dir: string;
const put = scratchDirectory("gcp-hard-", (created) => (dir = created));

function provider(stdin: string, args: string[], env: Record<string, string> = {}) {
  return runChecked({ stdin, args, env: { PATH, ...env } }, [SECRET]);
}

const envCreds = (user: string) => ({ CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME: user, CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD: SECRET });
const auth = (user: string) => dockerLogin(user, SECRET);

describe("files that would hang the provider or fill its memory", () => {
  const cases: [string, (path: string) => void, RegExp][] = [
    ["a symbolic link to /dev/zero", (path) => symlinkSync("/dev/zero", path), /is a character device, not a regular file/],
    ["a FIFO", (path) => mkfifo(path), /is a FIFO, not a regular file/],
    ["a symbolic link to a FIFO", (path) => symlinkSync(mkfifo(`${path}.fifo`), path), /is a FIFO, not a regular file/],
    ["a sparse 1 GiB file", (path) => (writeFileSync(path, ""), truncateSync(path, 1024 ** 3)), /is larger than 1048576 bytes, the limit for credential files/],
  ];
  for (const [what, make, message] of cases) {
    test(`a credential file that is ${what}: reported at once, and the next backend answers`, () => {
      mkdirSync(join(dir, "creds"));
      make(join(dir, "creds", "registry.example.org.json"));
      const { code, stdout, stderr } = provider(request("registry.example.org/app"), ["--backends", "file,env", "--credroot", join(dir, "creds")], envCreds("env-user"));
      expect(code).toBe(0);
      expect(kubeletDecode(stdout, V1).auth?.["registry.example.org"]?.username).toBe("env-user");
      expect(stderr).toMatch(message);
    });
  }

  test("a config file that is a FIFO: exit 2 before any request is read", () => {
    const { code, stderr } = provider(request("registry.example.org/app"), ["--config", mkfifo(join(dir, "config.json"))]);
    expect(code).toBe(2);
    expect(stderr).toBe(`generic-credential-provider: error: config file: ${join(dir, "config.json")} is a FIFO, not a regular file\n`);
  });

  test("a docker config that is a symbolic link to /dev/zero is reported; the next file answers", () => {
    symlinkSync("/dev/zero", join(dir, "zero.json"));
    const good = put("good.json", { auths: { "registry.example.org": auth("docker-user") } });
    const { code, stdout, stderr } = provider(request("registry.example.org/app"), ["--backends", "docker-config", "--docker-config", join(dir, "zero.json"), "--docker-config", good]);
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth?.["registry.example.org"]?.username).toBe("docker-user");
    expect(stderr).toContain(`${join(dir, "zero.json")} is a character device, not a regular file`);
  });

  test("a credential file that is not UTF-8 is refused, with its position, never sent with a replacement character", () => {
    const bytes = Buffer.concat([Buffer.from(`{"username":"u","password":"${SECRET}`), Buffer.from([0xe9]), Buffer.from('"}')]);
    mkdirSync(join(dir, "creds"));
    writeFileSync(join(dir, "creds/registry.example.org.json"), bytes);
    const { code, stderr } = provider(request("registry.example.org/app"), ["--backends", "file", "--credroot", join(dir, "creds")]);
    expect(code).toBe(1);
    expect(stderr).toContain(`registry.example.org.json is not valid UTF-8 at byte ${bytes.indexOf(0xe9)} (line 1, column ${bytes.indexOf(0xe9) + 1})`);
  });

  test("a request that is not UTF-8 is a bad request", () => {
    const stdin = Buffer.concat([Buffer.from(request("registry.example.org/app").slice(0, -2)), Buffer.from([0xff]), Buffer.from('"}')]);
    const result = Bun.spawnSync([BINARY, "--backends", "env", "--syslog-socket", ""], { stdin, env: { PATH } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.toString()).toMatch(/the request is not valid UTF-8 at byte \d+/);
  });
});

describe("children that hang or escape", () => {
  const helperConfig = (helper: string) => ({ credHelpers: { "registry.example.org": helper } });

  test("seven sources with hanging helpers end at the run's deadline, with every helper and its children gone", () => {
    putScript(dir, "bin/docker-credential-hang", `sleep 1000 & echo $$ $! >> '${dir}/pids'; wait`);
    const files = Array.from({ length: 7 }, (_, i) => put(`config-${i}.json`, helperConfig("hang")));
    // Each helper may take 1s; the run has 2s: the second is cut by the deadline, the rest never start.
    const config = put("provider.json", { backends: [{ type: "docker-config", files, helperTimeout: "1s" }], deadline: "2s" });
    const { code, stderr } = provider(request("registry.example.org/app"), ["--config", config], { PATH: `${join(dir, "bin")}:${PATH}`, ...envCreds("unused") });
    expect(code).toBe(1);
    expect(stderr).toContain(`${files[0]}: credHelpers entry 1: helper did not answer within 1s and was killed`);
    expect(stderr).toContain(`${files[1]}: credHelpers entry 1: helper did not answer within the run's deadline (2s) and was killed`);
    expect(stderr).toContain(`${files[6]}: credHelpers entry 1: helper was not started: the run's deadline (2s) has passed`);
    expect(stderr).toContain("no credentials for registry.example.org: 1 backend(s) failed");
    const pids = readFileSync(join(dir, "pids"), "utf8").split(/\s+/).filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect(isGone(pid)).toBe(true);
  });

  test("a helper's grandchild that left the process group with setsid is killed once the helper answers", async () => {
    putScript(dir, "bin/docker-credential-escape", `setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > '${dir}/escaped'\nprintf '{"Username":"u","Secret":"${SECRET}"}'`);
    const config = put("config.json", helperConfig("escape"));
    const { code } = provider(request("registry.example.org/app"), ["--backends", "docker-config", "--docker-config", config], { PATH: `${join(dir, "bin")}:${PATH}` });
    expect(code).toBe(0);
    const escaped = Number(readFileSync(join(dir, "escaped"), "utf8"));
    expect(escaped).toBeGreaterThan(0);
    expect(await waitUntilGone(escaped)).toBe(true);
  });

  test("SIGTERM stops the run: every child is killed before we exit, nothing on stdout", async () => {
    const started = mkfifo(join(dir, "started"));
    putScript(dir, "bin/docker-credential-slow", `sleep 1000 & echo $$ $! > '${started}'; wait`);
    const config = put("config.json", helperConfig("slow"));
    const child = Bun.spawn([BINARY, "--backends", "docker-config", "--docker-config", config, "--syslog-socket", ""], {
      stdin: Buffer.from(request("registry.example.org/app")),
      env: { PATH: `${join(dir, "bin")}:${PATH}` },
      stdout: "pipe",
      stderr: "pipe",
    });
    // Opening the FIFO waits for the helper to open it: no sleep, no polling.
    const pids = (await Bun.file(started).text()).split(/\s+/).filter(Boolean).map(Number);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(143);
    expect(await new Response(child.stdout).text()).toBe("");
    expect(await new Response(child.stderr).text()).toContain("stopped by SIGTERM");
    for (const pid of pids) expect(await waitUntilGone(pid)).toBe(true);
  });

  test("SIGTERM before any child (waiting for stdin): the default action ends the run at once", async () => {
    const child = Bun.spawn([BINARY, "--backends", "env", "--syslog-socket", ""], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { PATH } });
    child.kill("SIGTERM");
    await child.exited;
    expect(child.signalCode).toBe("SIGTERM");
    expect(await new Response(child.stdout).text()).toBe("");
    child.stdin.end();
  });
});

describe("stdin", () => {
  test("a stdin that never closes ends at the deadline, waiting without using the CPU", async () => {
    const child = Bun.spawn([BINARY, "--backends", "env", "--deadline", "1s", "--syslog-socket", ""], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { PATH } });
    child.stdin.write("{");
    await child.stdin.flush();
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain("stdin was not closed within the run's deadline (1s)");
    const usage = child.resourceUsage();
    // Waiting (sleeping a little longer each time) costs next to nothing; a retry loop would use the whole second.
    expect(Number(usage?.cpuTime.total ?? 0n)).toBeLessThan(500_000); // microseconds
    child.stdin.end();
  });

  // Bun clears O_NONBLOCK on a descriptor it hands to a child, so perl (Debian's perl-base is
  // essential) sets it on our stdin and then runs the binary.
  const nonBlocking = ["perl", "-e", "use Fcntl; fcntl(STDIN, F_SETFL, O_NONBLOCK) or die; exec @ARGV or die", BINARY];

  test("a non-blocking stdin is waited for, not spun on", async () => {
    const fifo = mkfifo(join(dir, "stdin"));
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    try {
      const child = Bun.spawn([...nonBlocking, "--backends", "env", "--deadline", "1s", "--syslog-socket", ""], { stdin: reader, stdout: "pipe", stderr: "pipe", env: { PATH } });
      expect(await child.exited).toBe(2);
      expect(await new Response(child.stderr).text()).toContain("stdin was not closed within the run's deadline (1s)");
      expect(Number(child.resourceUsage()?.cpuTime.total ?? 0n)).toBeLessThan(500_000);
    } finally {
      closeSync(writer);
      closeSync(reader);
    }
  });

  test("a non-blocking stdin that holds the request is read", () => {
    const input = put("request.json", request("registry.example.org/app"));
    const result = Bun.spawnSync([...nonBlocking, "--backends", "env", "--syslog-socket", ""], { stdin: Bun.file(input), env: { PATH, ...envCreds("nb-user") } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toContain('"username":"nb-user"');
  });

  // A socket cannot be reopened through /proc, so it is waited for with poll(2) (src/stdin.ts).
  // perl makes a socketpair, writes ARGV[0] into one end, makes the other our stdin and runs the
  // binary; with ARGV[1] = "keep" the writing end stays open in the binary itself, so no end of
  // input ever comes.
  const onSocket = (input: string, keep: boolean) => [
    "perl",
    "-e",
    `use Socket; use Fcntl; socketpair(my $r, my $w, AF_UNIX, SOCK_STREAM, 0) or die; my ($in, $keep) = splice(@ARGV, 0, 2);
     syswrite($w, $in) == length($in) or die; if ($keep eq "keep") { fcntl($w, F_SETFD, 0) or die } else { close $w }
     open(STDIN, "<&", $r) or die; close $r; exec @ARGV or die`,
    input,
    keep ? "keep" : "close",
    BINARY,
  ];

  test("a socket that holds the request is read", () => {
    const result = Bun.spawnSync([...onSocket(request("registry.example.org/app"), false), "--backends", "env", "--syslog-socket", ""], { env: { PATH, ...envCreds("sock-user") } });
    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toContain('"username":"sock-user"');
  });

  test("a socket that never ends ends at the deadline, waiting without using the CPU", () => {
    const result = Bun.spawnSync([...onSocket("{", true), "--backends", "env", "--deadline", "1s", "--syslog-socket", ""], { env: { PATH } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.toString()).toContain("stdin was not closed within the run's deadline (1s)");
    expect(Number(result.resourceUsage.cpuTime.total)).toBeLessThan(500_000);
  });
});

describe("100,000-deep JSON", () => {
  const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

  test("a request: exit 2 with a plain message, no internal error", () => {
    const { code, stderr } = provider(`{"apiVersion":"${V1}","kind":"CredentialProviderRequest","image":${deep(100_000)}}`, ["--backends", "env"]);
    expect(code).toBe(2);
    expect(stderr).toBe('generic-credential-provider: error: request field "image" must be a string\n');
  });

  test("a credential file: reported with the file", () => {
    put("creds/registry.example.org.json", `{"password":"${SECRET}","x":${deep(100_000)}}`);
    const { code, stderr } = provider(request("registry.example.org/app"), ["--backends", "file", "--credroot", join(dir, "creds")]);
    expect(code).toBe(1);
    expect(stderr).toContain('registry.example.org.json: unknown field "x"');
    expect(stderr).not.toContain("internal error");
  });

  test("DOCKER_AUTH_CONFIG (60,000 deep: Linux caps one variable at 128 KiB): reported, and the files after it are still read", () => {
    const good = put("good.json", { auths: { "registry.example.org": auth("file-user") } });
    const { code, stdout, stderr } = provider(request("registry.example.org/app"), ["--backends", "docker-config", "--docker-config", good], {
      DOCKER_AUTH_CONFIG: `{"auths":${deep(60_000)}}`,
    });
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth?.["registry.example.org"]?.username).toBe("file-user");
    expect(stderr).toContain('DOCKER_AUTH_CONFIG: field "auths" must be a JSON object');
  });

  test("a chained provider's answer: reported, and the next backend answers", () => {
    const child = putScript(dir, "deep-provider", `cat >/dev/null; printf '{"apiVersion":"${V1}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","auth":'; awk 'BEGIN{for(i=0;i<100000;i++)printf "["; for(i=0;i<100000;i++)printf "]"}'; printf '}'`);
    const config = put("config.json", { backends: [{ type: "exec", command: child }, { type: "env" }] });
    const { code, stdout, stderr } = provider(request("registry.example.org/app"), ["--config", config], envCreds("env-user"));
    expect(code).toBe(0);
    expect(kubeletDecode(stdout, V1).auth?.["registry.example.org"]?.username).toBe("env-user");
    expect(stderr).toContain('printed an invalid response: field "auth" must be a JSON object');
  });
});

describe("broken output streams", () => {
  const hit = ["--backends", "file,env", "--credroot", "/nonexistent-credroot", "--debug"];
  const sh = (redirect: string, env: Record<string, string>) =>
    Bun.spawnSync(["sh", "-c", `exec "$0" "$@" ${redirect}`, BINARY, ...hit, "--syslog-socket", ""], {
      stdin: Buffer.from(request("registry.example.org/app")),
      env: { PATH, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });

  test("stderr on a full disk or closed: warnings and --debug are dropped, the answer is given", () => {
    for (const redirect of ["2>/dev/full", "2</dev/null", "2>&-"]) {
      const result = sh(redirect, envCreds("env-user"));
      expect({ redirect, code: result.exitCode }).toEqual({ redirect, code: 0 });
      expect(result.stdout.toString()).toContain('"username":"env-user"');
    }
  });

  test("stdout on a full disk or read-only: 'could not write the response', exit 1, no 'fulfilled' in syslog", () => {
    const listener = new SyslogListener(dir);
    try {
      for (const [redirect, code] of [[">/dev/full", "ENOSPC"], ["1</dev/null", "EBADF"]] as const) {
        const result = Bun.spawnSync(["sh", "-c", `exec "$0" "$@" ${redirect}`, BINARY, "--backends", "env", "--syslog-socket", listener.path], {
          stdin: Buffer.from(request("registry.example.org/app")),
          env: { PATH, ...envCreds("env-user") },
          stderr: "pipe",
        });
        expect(result.exitCode).toBe(1);
        expect(result.stderr.toString()).toBe(`generic-credential-provider: error: could not write the response: ${code}\n`);
        expect(listener.drain()).toEqual([expect.stringContaining("Failed to fulfill credential request for registry.example.org")]);
      }
    } finally {
      listener.close();
    }
  });

  test("stdout a pipe closed by the reader: the same", async () => {
    const child = Bun.spawn([BINARY, "--backends", "env", "--syslog-socket", ""], {
      stdin: Buffer.from(request("registry.example.org/app")),
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH, ...envCreds("env-user") },
    });
    await child.stdout.cancel();
    expect(await child.exited).toBe(1);
    expect(await new Response(child.stderr).text()).toMatch(/could not write the response: (EPIPE|ECONNRESET)/);
  });
});

describe("configuration mistakes are start-up errors, not silent", () => {
  const cases: [string, unknown, RegExp][] = [
    ["a relative dir", { backends: [{ type: "file", dir: "creds" }] }, /backend "file": field "dir" must be an absolute path/],
    ["an empty dir", { backends: [{ type: "file", dir: "" }] }, /backend "file": field "dir" must not be empty/],
    ["a relative docker config file", { backends: [{ type: "docker-config", files: ["config.json"] }] }, /field "files\.0" must be an absolute path/],
    ["a relative exec command path", { backends: [{ type: "exec", command: "bin/provider" }] }, /field "command" must be an absolute path or a command name/],
    ["__proto__ in a backend entry", JSON.parse('{"backends":[{"type":"file","__proto__":{"dir":"/x"}}]}'), /backend "file": unknown field "__proto__"/],
    ["constructor in a backend entry", { backends: [{ type: "env", constructor: "x" }] }, /backend "env": unknown field "constructor"/],
    ["prototype in a backend entry", { backends: [{ type: "env", prototype: "x" }] }, /backend "env": unknown field "prototype"/],
    // matchImages patterns the kubelet's matcher would never match as written
    ["a helper pattern with a scheme", { backends: [{ type: "helper", name: "gcr", helper: "gcloud", matchImages: ["*.gcr.io", "https://*.pkg.dev"] }] }, /backend "gcr": field "matchImages\.1" has a scheme/],
    ["an exec pattern with a query", { backends: [{ type: "exec", name: "ecr", command: "p", matchImages: ["reg.example.org?x=1"] }] }, /backend "ecr": field "matchImages\.0" has a '\?' or '#'/],
    ["a token pattern with a glob in its path", { backends: [{ type: "token", username: "u", matchImages: ["*.example.org/*"] }] }, /backend "token": field "matchImages\.0" has a path no image has/],
    ["a pattern Go cannot parse", { backends: [{ type: "helper", helper: "x", matchImages: ["reg.example.org:http"] }] }, /backend "helper": field "matchImages\.0" cannot be parsed by the kubelet \(invalid port/],
  ];
  for (const [what, config, message] of cases) {
    test(what, () => {
      const path = put("config.json", JSON.stringify(config));
      const { code, stderr } = provider(request("registry.example.org/app"), ["--config", path]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    });
  }

  test("an empty backends list, a name twice in --backends, a child's timeout longer than the deadline", () => {
    const empty = provider(request("registry.example.org/app"), ["--config", put("empty.json", { backends: [] })]);
    expect(empty.stderr).toContain('field "backends" must list at least one backend');
    const twice = provider(request("registry.example.org/app"), ["--backends", "env,file,env"]);
    expect(twice.stderr).toContain("option --backends names a backend twice");
    const config = put("slow.json", { backends: [{ type: "exec", command: "p", timeout: "1m" }], deadline: "30s" });
    const slow = provider(request("registry.example.org/app"), ["--config", config]);
    expect(slow.stderr).toContain('backend "exec": field "timeout" (1m0s) is longer than the run\'s deadline (30s)');
    const helper = provider(request("registry.example.org/app"), ["--backends", "docker-config", "--deadline", "5s"]);
    expect(helper.stderr).toContain('backend "docker-config": field "helperTimeout" (10s) is longer than the run\'s deadline (5s)');
    for (const result of [empty, twice, slow, helper]) expect(result.code).toBe(2);
  });

  test("--credroot '' is a usage error; a relative --credroot is taken from where we run", () => {
    expect(provider(request("registry.example.org/app"), ["--credroot", ""]).code).toBe(2);
    put("creds/registry.example.org.json", { username: "rel", password: SECRET });
    const result = runChecked({ stdin: request("registry.example.org/app"), args: ["--backends", "file", "--credroot", "creds"], env: { PATH }, cwd: dir }, [SECRET]);
    expect(result.code).toBe(0);
  });

  test("a credential directory that does not exist is a warning without --debug, in syslog too", () => {
    const result = provider(request("registry.example.org/app"), ["--backends", "file,env", "--credroot", join(dir, "missing")], envCreds("env-user"));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`generic-credential-provider: warning: file: the credential directory ${join(dir, "missing")} does not exist\n`);
    expect(result.syslog).toContainEqual(expect.stringMatching(/^<12>generic-credential-provider\[\d+\]: file: the credential directory .* does not exist$/));
    put("not-a-dir", "x");
    expect(provider(request("registry.example.org/app"), ["--backends", "file", "--credroot", join(dir, "not-a-dir")]).stderr).toContain("is not a directory");
  });

  test("an exec env key is never quoted (a secret could be pasted there)", () => {
    const path = put("config.json", { backends: [{ type: "exec", command: "p", env: { [`TOKEN=${SECRET}`]: "x" } }] });
    const { code, stderr } = provider(request("registry.example.org/app"), ["--config", path]);
    expect(code).toBe(2);
    expect(stderr).toContain('field "env.<key 1>" must be a variable name');
  });
});

describe("children get only what they need", () => {
  test("no credential variable of ours and no DOCKER_AUTH_CONFIG reaches a helper or a chained provider", () => {
    const dump = (name: string) => `env > '${dir}/${name}.env'`;
    putScript(dir, "bin/docker-credential-dump", `${dump("helper")}\nprintf '{"Username":"u","Secret":"${SECRET}"}'`);
    const child = echoingProvider(dir, { cacheKeyType: "Registry", auth: {} }, dump("exec"));
    const config = put("config.json", {
      backends: [
        { type: "env", name: "own", prefix: "OWN_" },
        { type: "exec", command: child, env: { EXTRA: "given" } },
        { type: "helper", helper: "dump", matchImages: ["registry.example.org"] },
      ],
    });
    const env = {
      PATH: `${join(dir, "bin")}:${PATH}`,
      HOME: dir,
      OWN_OTHER_ORG_PASSWORD: SECRET,
      OWN_OTHER_ORG_USERNAME: "someone",
      OWN_OTHER_ORG_DURATION: "1m",
      DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "other.org": auth("x") } }),
      // Not under the env backend's prefix: somebody else's variable, which children keep.
      APP_DB_USERNAME: "app-user",
    };
    expect(provider(request("registry.example.org/app"), ["--config", config], env).code).toBe(0);
    for (const name of ["helper", "exec"]) {
      const seen = readFileSync(join(dir, `${name}.env`), "utf8");
      expect(seen).toContain(`HOME=${dir}`);
      expect(seen).not.toContain("OWN_OTHER_ORG");
      expect(seen).not.toContain("DOCKER_AUTH_CONFIG");
      expect(seen).not.toContain(SECRET);
      expect(seen).toContain("APP_DB_USERNAME=app-user");
    }
    expect(readFileSync(join(dir, "exec.env"), "utf8")).toContain("EXTRA=given");
  });

  test("a chained provider's stderr is passed on with the backend's name, and capped", () => {
    const child = echoingProvider(dir, { cacheKeyType: "Registry", auth: {} }, `echo 'line one' >&2; head -c 1048576 /dev/zero | tr '\\0' x >&2`);
    const config = put("config.json", { backends: [{ type: "exec", name: "cloud", command: child }, { type: "env" }] });
    const { code, stderr } = provider(request("registry.example.org/app"), ["--config", config], envCreds("env-user"));
    expect(code).toBe(0);
    expect(stderr).toStartWith("cloud: line one\n");
    expect(stderr).toContain("cloud: (stderr cut at 65536 bytes)\n");
    expect(stderr.length).toBeLessThan(70_000);
  });
});
