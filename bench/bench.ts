// `npm run bench`: what one request costs, as the kubelet pays it (a whole process: start, read
// stdin, answer, exit), against the floor: a compiled program with the same Bun and flags that
// reads stdin and prints a fixed response (bench/floor.ts). It builds both, then runs every case
// interleaved with the floor, round after round, so that whatever else the machine is doing falls
// on both alike; ratios are taken per round (paired) and their median reported. Cases that run a
// child (a credential helper, an exec provider) also time the child on its own, and are judged on
// (provider - child) / floor. Peak RSS is measured apart from the timings, through GNU time
// (/usr/bin/time, Debian package "time"): a process forked from this large one would report this
// one's RSS as its own peak.
//
// Writes the table between the markers in bench/RESULTS.md (the notes around it are kept).
//
//   bun bench/bench.ts [--rounds N] [--sessions N] [--only TEXT] [--binary FILE] [--no-write]
//
// --binary measures another build of the provider (another commit's, say) instead of building
// this checkout's; the table is then not written.
//
// A benchmark, not a test: it asserts no timing. It is hermetic: every file it reads is in a temp
// directory, and each process gets an explicit environment (HOME and XDG_* point at temp dirs).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, loadavg } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const RESULTS = join(ROOT, "bench", "RESULTS.md");
const BEGIN = "<!-- bench:begin (written by bench/bench.ts) -->";
const END = "<!-- bench:end -->";

// --- options -----------------------------------------------------------------------------------
const argv = process.argv.slice(2);
function flag(name: string): boolean {
  return argv.includes(name);
}
function value(name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : Number(argv[i + 1]);
}
const ROUNDS = value("--rounds", 200);
const SESSIONS = value("--sessions", 3);
const WARMUP = 10;
const only = argv.includes("--only") ? String(argv[argv.indexOf("--only") + 1]) : null;

// --- build -------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), "gcp-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const OTHER = argv.includes("--binary") ? resolve(String(argv[argv.indexOf("--binary") + 1])) : null;
const BINARY = OTHER ?? join(ROOT, "dist", "generic-credential-provider");
const FLOOR = join(work, "floor");

function sh(cmd: string[], what: string): void {
  const result = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${what} failed:\n${result.stderr.toString()}`);
}
if (OTHER === null) sh(["bash", "scripts/build.sh"], "building the binary");
sh(["bash", "scripts/build.sh", "--entry", "bench/floor.ts", "--outfile", FLOOR], "building the floor");

// --- fixtures ----------------------------------------------------------------------------------
const IMAGE = "registry.example.org/team/app";
const REQUEST = JSON.stringify({ apiVersion: "credentialprovider.kubelet.k8s.io/v1", kind: "CredentialProviderRequest", image: IMAGE });
const USER = "bench-user";
const PASSWORD = "bench-password";

function put(path: string, content: string, mode?: number): string {
  mkdirSync(resolve(path, ".."), { recursive: true });
  writeFileSync(path, content);
  if (mode !== undefined) chmodSync(path, mode);
  return path;
}

const home = join(work, "home");
const bin = join(work, "bin");
mkdirSync(home, { recursive: true });
// A node's usual environment, small; HOME and XDG_* in temp dirs so that the default chain's
// docker-config files are ours (absent), never the machine's.
const BASE_ENV: Record<string, string> = {
  PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
  HOME: home,
  XDG_RUNTIME_DIR: join(work, "run"),
  XDG_CONFIG_HOME: join(work, "config"),
  LANG: "C.UTF-8",
};

const credentialFile = JSON.stringify({ username: USER, password: PASSWORD, duration: "5m" });
function credroot(name: string, others: number): string {
  const dir = join(work, name);
  put(join(dir, "registry.example.org.json"), credentialFile);
  for (let i = 1; i < others; i++) put(join(dir, `registry-${String(i).padStart(5, "0")}.example.com.json`), credentialFile);
  return dir;
}
const dir10 = credroot("registry-10", 10);
const dir10k = credroot("registry-10000", 10_000);
const emptyDir = join(work, "registry-empty");
mkdirSync(emptyDir);

const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");
function dockerConfig(name: string, entries: number): string {
  const auths: Record<string, { auth: string }> = {};
  for (let i = 1; i < entries; i++) {
    const n = String(i).padStart(5, "0");
    auths[`registry-${n}.example.com`] = { auth: auth(`user-${n}`, `password-${n}`) };
  }
  auths["registry.example.org"] = { auth: auth(USER, PASSWORD) }; // the last: every entry is read before it
  return put(join(work, name), `${JSON.stringify({ auths })}\n`);
}
const config1 = dockerConfig("config-1.json", 1);
const config10k = dockerConfig("config-10000.json", 10_000);

// A credential helper and an exec provider in sh, as small as they come (builtins only).
const helper = put(
  join(bin, "docker-credential-bench"),
  `#!/bin/sh\nread -r url\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}\\n' "$url"\n`,
  0o755,
);
const provider = put(
  join(bin, "bench-provider"),
  `#!/bin/sh\nread -r request\nprintf '%s\\n' '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Registry","auth":{"registry.example.org":{"username":"${USER}","password":"${PASSWORD}"}}}'\n`,
  0o755,
);
const helperConfig = put(
  join(work, "helper.json"),
  JSON.stringify({ backends: [{ type: "helper", helper: "bench", matchImages: ["registry.example.org"] }] }),
);
const execConfig = put(join(work, "exec.json"), JSON.stringify({ backends: [{ type: "exec", command: provider }] }));

const ENV_HIT = { CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME: USER, CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD: PASSWORD };
const BIG_ENV: Record<string, string> = {};
for (let i = 0; i < 10_000; i++) BIG_ENV[`BENCH_VARIABLE_${String(i).padStart(5, "0")}`] = `value-${i}-0123456789abcdef`;

// --- cases -------------------------------------------------------------------------------------
interface Run {
  cmd: string[];
  stdin: string;
  env: Record<string, string>;
}
interface Case {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** 0 for a hit; 1 for a miss. */
  exit: number;
  /** Limit of the ratio to the floor (with a child: of (provider - child) / floor). */
  target: number;
  /** The child the provider runs, timed on its own as well. */
  child?: Run;
}
const NO_SYSLOG = ["--syslog-socket", ""];
const CASES: Case[] = [
  { name: "`file` hit (10 files in the directory)", args: ["--credroot", dir10, ...NO_SYSLOG], env: BASE_ENV, exit: 0, target: 1.1 },
  { name: "`file` hit, 10,000 files in the directory", args: ["--credroot", dir10k, ...NO_SYSLOG], env: BASE_ENV, exit: 0, target: 1.1 },
  { name: "`env` hit", args: ["--backends", "env", ...NO_SYSLOG], env: { ...BASE_ENV, ...ENV_HIT }, exit: 0, target: 1.1 },
  {
    name: "`env` hit, 10,000 other variables (floor: same environment)",
    args: ["--backends", "env", ...NO_SYSLOG],
    env: { ...BASE_ENV, ...BIG_ENV, ...ENV_HIT },
    exit: 0,
    target: 1.1,
  },
  {
    name: "`docker-config` hit, 1 entry",
    args: ["--backends", "docker-config", "--docker-config", config1, ...NO_SYSLOG],
    env: BASE_ENV,
    exit: 0,
    target: 1.1,
  },
  {
    name: `\`docker-config\` hit, 10,000 entries (${(statSync(config10k).size / 1e6).toFixed(1)} MB)`,
    args: ["--backends", "docker-config", "--docker-config", config10k, ...NO_SYSLOG],
    env: BASE_ENV,
    exit: 0,
    target: 1.9,
  },
  {
    name: "credential helper hit (`helper` backend, an `sh` helper)",
    args: ["--config", helperConfig, ...NO_SYSLOG],
    env: BASE_ENV,
    exit: 0,
    target: 1.1,
    child: { cmd: [helper, "get"], stdin: "registry.example.org", env: BASE_ENV },
  },
  {
    name: "`exec` hit, a trivial `sh` provider",
    args: ["--config", execConfig, ...NO_SYSLOG],
    env: BASE_ENV,
    exit: 0,
    target: 1.1,
    child: { cmd: [provider], stdin: `${REQUEST}\n`, env: BASE_ENV },
  },
  { name: "miss, default chain (file, env, docker-config)", args: ["--credroot", emptyDir, ...NO_SYSLOG], env: BASE_ENV, exit: 1, target: 1.1 },
].filter((c) => only === null || c.name.includes(only));

// --- measuring ---------------------------------------------------------------------------------
interface Sample {
  ms: number;
}
function measure(run: Run, exit: number, what: string): Sample & { stdout: string } {
  const start = Bun.nanoseconds();
  const result = Bun.spawnSync(run.cmd, { stdin: Buffer.from(run.stdin), stdout: "pipe", stderr: "pipe", env: run.env, cwd: work });
  const ms = (Bun.nanoseconds() - start) / 1e6;
  if (result.exitCode !== exit) {
    throw new Error(`${what}: exit status ${result.exitCode}, expected ${exit}\n${result.stderr.toString()}`);
  }
  return { ms, stdout: result.stdout.toString() };
}

const TIME = "/usr/bin/time";
if (!existsSync(TIME)) throw new Error(`${TIME} is missing: apt-get install time`);
/** Peak RSS in bytes, of a process started by GNU time (small), not by this process (large). */
function peakRss(run: Run, exit: number): number {
  const out = join(work, "rss");
  const result = Bun.spawnSync([TIME, "-f", "%M", "-o", out, ...run.cmd], { stdin: Buffer.from(run.stdin), stdout: "ignore", stderr: "ignore", env: run.env, cwd: work });
  if (result.exitCode !== exit) throw new Error(`${run.cmd.join(" ")} under ${TIME}: exit status ${result.exitCode}`);
  // The last line: GNU time puts "Command exited with non-zero status 1" before it.
  return Number(readFileSync(out, "utf8").trim().split("\n").pop()) * 1024;
}
const RSS_RUNS = 5;
const provider_ = (c: Case): Run => ({ cmd: [BINARY, ...c.args], stdin: REQUEST, env: c.env });
const floor_ = (c: Case): Run => ({ cmd: [FLOOR], stdin: REQUEST, env: c.env });

// Every case must answer as it should before anything is timed.
for (const c of CASES) {
  const { stdout } = measure(provider_(c), c.exit, c.name);
  if (c.exit === 0 && !stdout.includes(`"password":"${PASSWORD}"`)) throw new Error(`${c.name}: no answer from the provider`);
  if (c.child) measure(c.child, 0, `${c.name}: the child alone`);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface CaseResult {
  ms: number;
  floorMs: number;
  childMs: number | null;
  ratio: number;
  rss: number;
  floorRss: number;
}

function session(): CaseResult[] {
  const samples = CASES.map(() => ({ provider: [] as Sample[], floor: [] as Sample[], child: [] as Sample[] }));
  for (let round = -WARMUP; round < ROUNDS; round++) {
    CASES.forEach((c, i) => {
      // Alternate which goes first, so neither always runs on a warmer (or colder) machine.
      const runs: [Run, Sample[], number][] = [
        [provider_(c), samples[i]!.provider, c.exit],
        [floor_(c), samples[i]!.floor, 0],
        ...(c.child ? [[c.child, samples[i]!.child, 0] as [Run, Sample[], number]] : []),
      ];
      if (round % 2) runs.reverse();
      for (const [run, into, exit] of runs) {
        const sample = measure(run, exit, c.name);
        if (round >= 0) into.push(sample);
      }
    });
  }
  return CASES.map((c, i) => {
    const { provider, floor, child } = samples[i]!;
    const ratios = provider.map((p, r) => (p.ms - (child[r]?.ms ?? 0)) / floor[r]!.ms);
    return {
      ms: median(provider.map((s) => s.ms)),
      floorMs: median(floor.map((s) => s.ms)),
      childMs: c.child ? median(child.map((s) => s.ms)) : null,
      ratio: median(ratios),
      rss: median(Array.from({ length: RSS_RUNS }, () => peakRss(provider_(c), c.exit))),
      floorRss: median(Array.from({ length: RSS_RUNS }, () => peakRss(floor_(c), 0))),
    };
  });
}

const sessions: CaseResult[][] = [];
for (let s = 0; s < SESSIONS; s++) {
  process.stderr.write(`session ${s + 1} of ${SESSIONS} (${ROUNDS} rounds of ${CASES.length} cases)\n`);
  sessions.push(session());
}

// --- report ------------------------------------------------------------------------------------
const range = (xs: number[], digits: number): string => {
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
};
const MB = 1024 * 1024;
const rows = CASES.map((c, i) => {
  const all = sessions.map((s) => s[i]!);
  const ratios = all.map((r) => r.ratio);
  const rssRatios = all.map((r) => r.rss / r.floorRss);
  const met = Math.max(...ratios) <= c.target ? "yes" : Math.min(...ratios) <= c.target ? "in some runs" : "no";
  const child = all[0]!.childMs === null ? "" : range(all.map((r) => r.childMs as number), 2);
  return (
    `| ${c.name} | ${range(all.map((r) => r.ms), 2)} | ${range(all.map((r) => r.floorMs), 2)} | ${child} | ` +
    `**${range(ratios, 2)}** | ≤ ${c.target.toFixed(2)}${c.child ? " (less the child)" : ""} | ${met} | ` +
    `${range(all.map((r) => r.rss / MB), 1)} | ${range(rssRatios, 2)} |`
  );
});
const size = (path: string) => `${statSync(path).size.toLocaleString("en")} bytes`;
const cpu = cpus()[0]?.model ?? "unknown CPU";
const commit = Bun.spawnSync([BINARY, "version"]).stdout.toString().match(/^commit: (.*)$/m)?.[1] ?? "unknown";
const table = [
  `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpu}, ${cpus().length} cores, Linux ${release()}` +
    ` (load average ${loadavg()[0]!.toFixed(2)} at the end); Bun ${Bun.version} (${Bun.revision.slice(0, 9)}); commit ${commit}.`,
  `${SESSIONS} sessions of ${ROUNDS} rounds (after ${WARMUP} warm-up rounds), and ${RSS_RUNS} runs each for peak RSS; each cell is the range of the sessions' medians.`,
  `Binary ${size(BINARY)}, floor ${size(FLOOR)}.`,
  "",
  "| case | provider ms | floor ms | child alone ms | ratio to floor (paired) | target | met | peak RSS MiB | RSS / floor |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
].join("\n");
console.log(table);

if (!flag("--no-write") && only === null && OTHER === null) {
  let text: string;
  try {
    text = readFileSync(RESULTS, "utf8");
  } catch {
    text = `# Benchmark results\n\n${BEGIN}\n${END}\n`;
  }
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`${RESULTS} has lost its markers: ${BEGIN} … ${END}`);
  writeFileSync(RESULTS, `${text.slice(0, start + BEGIN.length)}\n${table}\n${text.slice(end)}`);
  process.stderr.write(`wrote ${RESULTS}\n`);
}
