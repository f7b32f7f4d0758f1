// Every shell command and JSON or YAML example in the README is run or loaded here, so the docs
// cannot drift from the program. Each fenced sh/json/yaml block carries a marker on the line
// before it, `<!-- doc: KIND … -->`, saying what it is:
//   run [exit=N]   shell run with bash in a temp directory: the provider's installed path (run as
//                  the kubelet would, with the file and env backends only and syslog off), a bare
//                  `generic-credential-provider` and dist/… become the built binary, and
//                  /etc/kubernetes/registry becomes a copy of examples/registry; exit status N
//                  (0 unless said). A following block marked `output` must be exactly its stdout
//                  (with those paths put back).
//   ci             shell that .ci/run runs, line for line
//   node           shell that changes a node (not run here): its syntax is checked, and every path
//                  it names that the program has a default for is that default
//   build          shell run on a build host with this repository (npm run image, skopeo): not run
//                  here; its syntax is checked, and every `npm run` script it names exists
//   cluster        shell run against a cluster (kubectl): not run here; its syntax is checked, and
//                  every kustomization it names (`-k DIR`) exists
//   cluster-api, kubeadm   YAML of a node's one-time setup for deploy/: the kubelet flags name the
//                  paths of deploy/manifests.ts; Cluster API's files are the provider config that
//                  the DaemonSet's install arguments give (kubelet-config with them) and a
//                  placeholder executable that fails
//   example PATH   JSON that must equal the file PATH
//   example-output what `npm run example` prints (the binary on examples/request.json), exactly
//   credential-file, config, backend, provider-config, provider
//                  JSON (or YAML) checked by the program's own reader for that kind
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { parse as parseYaml } from "yaml";
import { configEditorSchema } from "../scripts/config-schema.ts";
import { parseArgs } from "../src/args.ts";
import { readConfigFile, resolveSettings } from "../src/config.ts";
import { DEFAULTS } from "../src/core/defaults.ts";
import { credentialProviderConfigProblems } from "../src/core/kubelet-config.ts";
import { createBackends } from "../backends/registry.ts";
import { daemonSet, HOST } from "../deploy/manifests.ts";
import { readImageRecord } from "../deploy/render.ts";
import { BINARY } from "./support/binary.ts";
import { recordingContext } from "./support/context.ts";
import { kubeletDecode } from "./support/kubelet.ts";

const ROOT = resolve(import.meta.dir, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const CREDROOT = "/etc/kubernetes/registry";
const INSTALLED = "/usr/local/bin/image-credential-provider/generic-credential-provider";

interface Block {
  line: number;
  lang: string;
  marker: string | null;
  text: string;
}

/** The fenced blocks of the README, each with the `<!-- doc: … -->` marker just above it, if any. */
function blocks(): Block[] {
  const lines = README.split("\n");
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && (lines[j] as string).trim() !== "```"; j++) body.push((lines[j] as string).slice(indent.length));
    const above = lines.slice(Math.max(0, i - 2), i).join("\n");
    const marker = /<!-- doc: (.*?) -->\s*$/.exec(above)?.[1] ?? null;
    found.push({ line: i + 1, lang: open[2] as string, marker, text: `${body.join("\n")}\n` });
    i = j;
  }
  return found;
}

const ALL = blocks();
const CHECKED = ALL.filter((block) => ["sh", "json", "yaml"].includes(block.lang));

test("every sh, json and yaml block says what it is", () => {
  expect(CHECKED.filter((block) => block.marker === null).map((block) => `README.md:${block.line}`)).toEqual([]);
});

/** Runs a `run` block: bash in a temp dir, with the substitutions above. */
function runBlock(text: string, dir: string): { code: number; stdout: string; stderr: string } {
  const credroot = join(dir, "registry");
  // The installed provider runs with the README's provider config's args (its credential
  // directory), without the sources that would read this machine's files (docker-config reads
  // /var/lib/kubelet/config.json), and with syslog off (this machine's /dev/log is not the test's).
  const script = text
    .replaceAll(INSTALLED, "\0PLUGIN\0")
    .replaceAll("dist/generic-credential-provider", "\0COMMAND\0")
    .replace(/(^|\|\s*)generic-credential-provider\b/gm, "$1\0COMMAND\0")
    .replaceAll("\0PLUGIN\0", `${BINARY} --backends file,env --credroot ${CREDROOT} --syslog-socket ''`)
    .replaceAll("\0COMMAND\0", BINARY)
    .replaceAll(CREDROOT, credroot);
  const result = Bun.spawnSync(["bash", "-e", "-c", script], { cwd: dir, env: { PATH: "/usr/bin:/bin", HOME: dir }, stdout: "pipe", stderr: "pipe" });
  const back = (out: string) => out.replaceAll(credroot, CREDROOT).replaceAll(BINARY, INSTALLED);
  return { code: result.exitCode ?? -1, stdout: back(result.stdout.toString()), stderr: back(result.stderr.toString()) };
}

/** The JSON kinds and how the program reads each. */
const LOADERS: Record<string, (text: string, dir: string) => void> = {
  "credential-file": (text, dir) => {
    writeFileSync(join(dir, "registry.example.org.json"), text);
    const backend = createBackends([{ type: "file", name: "file", options: { dir } }], recordingContext())[0];
    return backend?.inspect().then(({ problems }) => expect(problems.filter((p) => p.message.includes("registry.example.org.json:"))).toEqual([]));
  },
  config: (text, dir) => {
    expect(v.safeParse(configEditorSchema(), JSON.parse(text)).success).toBe(true);
    writeFileSync(join(dir, "config.json"), text);
    const settings = resolveSettings(parseArgs([]).options, readConfigFile(join(dir, "config.json")));
    createBackends(settings.backends, recordingContext());
  },
  backend: (text, dir) => LOADERS.config?.(JSON.stringify({ backends: [JSON.parse(text)] }), dir),
  "provider-config": (text) => expect(credentialProviderConfigProblems(text.trimStart().startsWith("{") ? JSON.parse(text) : parseYaml(text))).toEqual([]),
  provider: (text) => LOADERS["provider-config"]?.(JSON.stringify({ apiVersion: "kubelet.config.k8s.io/v1", kind: "CredentialProviderConfig", providers: [JSON.parse(text)] }), ""),
};

describe("README blocks", () => {
  for (const [index, block] of ALL.entries()) {
    const [kind = "", ...args] = (block.marker ?? "").split(/\s+/);
    const where = `README.md:${block.line} (${kind || "unmarked"})`;
    if (kind === "run") {
      test(where, () => {
        const dir = mkdtempSync(join(tmpdir(), "gcp-readme-"));
        try {
          mkdirSync(join(dir, "registry"), { mode: 0o700 });
          cpSync(join(ROOT, "examples/registry"), join(dir, "registry"), { recursive: true });
          for (const file of ["registry.example.org.json"]) Bun.spawnSync(["chmod", "0600", join(dir, "registry", file)]);
          cpSync(join(ROOT, "examples"), join(dir, "examples"), { recursive: true });
          const expected = Number(/exit=(\d+)/.exec(args.join(" "))?.[1] ?? 0);
          const result = runBlock(block.text, dir);
          expect({ where, code: result.code, stderr: result.code === expected ? "" : result.stderr }).toEqual({ where, code: expected, stderr: "" });
          const next = ALL[index + 1];
          if (next?.marker === "output") expect(result.stdout).toBe(next.text);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    } else if (kind === "ci") {
      test(where, () => {
        const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
        for (const line of block.text.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter(Boolean)) expect(ci).toContain(line);
      });
    } else if (kind === "node") {
      test(where, () => {
        expect(Bun.spawnSync(["bash", "-n", "-c", block.text]).exitCode).toBe(0);
        for (const path of block.text.match(/\/(?:usr|etc)\/[\w./-]+/g) ?? []) {
          const known = [DEFAULTS.credroot, INSTALLED, "/usr/local/bin/image-credential-provider", "/etc/kubernetes/image-credential-provider-config.json", "/etc/default/kubelet", "/etc/sysconfig/kubelet"];
          expect({ where, path, known: known.some((k) => path === k || path.startsWith(`${k}/`)) }).toEqual({ where, path, known: true });
        }
      });
    } else if (kind === "build" || kind === "cluster") {
      test(where, () => {
        expect(Bun.spawnSync(["bash", "-n", "-c", block.text]).exitCode).toBe(0);
        const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: object }).scripts);
        for (const [, script] of block.text.matchAll(/npm run (\S+)/g)) expect({ where, script, known: scripts.includes(script as string) }).toEqual({ where, script, known: true });
        for (const [, dir] of block.text.matchAll(/-k (\S+)/g)) expect(existsSync(join(ROOT, dir as string, "kustomization.yaml"))).toBe(true);
      });
    } else if (kind === "cluster-api" || kind === "kubeadm") {
      test(where, () => checkNodeSetup(kind, parseYaml(block.text)));
    } else if (kind === "example-output") {
      test(where, () => {
        // package.json's "example" script, after its build.
        const example = Bun.spawnSync([BINARY, "--credroot", "examples/registry", "--syslog-socket", ""], {
          cwd: ROOT,
          stdin: Bun.file(join(ROOT, "examples/request.json")),
          env: { PATH: "/usr/bin:/bin" },
        });
        expect(example.stdout.toString()).toBe(block.text);
        kubeletDecode(block.text, JSON.parse(block.text).apiVersion);
      });
    } else if (kind === "example") {
      test(where, () => expect(JSON.parse(block.text)).toEqual(JSON.parse(readFileSync(join(ROOT, args[0] as string), "utf8"))));
    } else if (kind in LOADERS) {
      test(where, async () => {
        const dir = mkdtempSync(join(tmpdir(), "gcp-readme-"));
        try {
          await LOADERS[kind]?.(block.text, dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    } else if (kind === "output" || kind === "") {
      // An output is checked with the run before it; unmarked blocks are text (maps, usage, diagrams).
      if (kind === "output") test(`${where} follows a run`, () => expect(ALL[index - 1]?.marker?.startsWith("run")).toBe(true));
    } else {
      test(where, () => {
        throw new Error(`unknown doc marker "${block.marker}"`);
      });
    }
  }
});

test("the paths the README takes for the provider exist in the defaults", () => {
  expect(existsSync(join(ROOT, "examples/registry/registry.example.org.json"))).toBe(true);
  expect(README).toContain(DEFAULTS.credroot);
});

/** A node's one-time setup for deploy/ (Cluster API or kubeadm YAML), against deploy/manifests.ts. */
function checkNodeSetup(kind: "cluster-api" | "kubeadm", document: unknown): void {
  type NodeRegistration = { nodeRegistration: { kubeletExtraArgs: Record<string, string> } };
  type Template = { spec: { template: { spec: { files: { path: string; content: string }[]; joinConfiguration: NodeRegistration } } } };
  const registration = kind === "kubeadm" ? (document as NodeRegistration) : (document as Template).spec.template.spec.joinConfiguration;
  expect(registration.nodeRegistration.kubeletExtraArgs).toEqual({
    "image-credential-provider-config": HOST.providerConfig,
    "image-credential-provider-bin-dir": HOST.binDir,
  });
  if (kind === "kubeadm") return;
  const files = Object.fromEntries((document as Template).spec.template.spec.files.map((file) => [file.path, file.content]));
  expect(Object.keys(files).sort()).toEqual([HOST.providerConfig, `${HOST.binDir}/${DEFAULTS.providerName}`].sort());
  // The provider config the DaemonSet's install writes: kubelet-config with its arguments.
  const install = daemonSet(readImageRecord()).spec?.template.spec?.initContainers?.[0]?.args ?? [];
  const args: string[] = [];
  for (let i = 1; i < install.length; i++) {
    if (["--root", "--bin-dir", "--provider-config"].includes(install[i] as string)) i++;
    else args.push(install[i] as string);
  }
  const printed = Bun.spawnSync([BINARY, "kubelet-config", ...args], { env: { PATH: "/usr/bin:/bin" }, stdout: "pipe", stderr: "pipe" });
  expect(printed.exitCode).toBe(0);
  expect(JSON.parse(files[HOST.providerConfig] as string)).toEqual(JSON.parse(printed.stdout.toString()));
  // The placeholder: a script that fails, so the kubelet pulls without credentials until install replaces it.
  const placeholder = Bun.spawnSync(["bash", "-c", files[`${HOST.binDir}/${DEFAULTS.providerName}`] as string], { env: { PATH: "/usr/bin:/bin" }, stderr: "pipe" });
  expect(placeholder.exitCode).toBe(1);
  expect(placeholder.stderr.toString()).toContain("not installed yet");
}
