// `install`: puts this binary and its kubelet configuration on a node (README, "install").
//
// Safe for a container writing into host paths: every file is written to a temp file in its own
// directory and renamed over the old name (src/core/atomic.ts), so a running copy of the binary
// never makes it fail ("Text file busy") and the kubelet never reads half a file; the binary goes
// first and the kubelet's provider config last, so no config ever names a binary that is not
// there; a file whose content is already right is left alone, so a second run changes nothing.
// Everything is planned before anything is written: a refusal (kubelet flags naming another bin
// dir or config, a provider config that is not ours to rewrite) changes nothing.
//
// The kubelet reads its provider config and its flags only when it starts; it runs the binary
// afresh for every pull its cache does not answer, and the binary reads its config file and
// credential files on every run. So a restart is needed when the provider config or the flags
// changed, and not for anything else.
//
// Exit codes: 0 installed, or nothing to change; 1 a change failed or was refused; 2 bad usage or
// configuration.
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, type Stats } from "node:fs";
import { isAbsolute, join, normalize, resolve } from "node:path";
import type { Options } from "../args.ts";
import { copyFileAtomic, sameBytes, writeFileAtomic } from "../core/atomic.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { FileReadError, readOptionalFile } from "../core/files.ts";
import { parseJson } from "../core/json.ts";
import {
  credentialProviderConfigProblems,
  KUBELET_CONFIG_API_VERSION,
  KUBELET_CONFIG_KIND,
  TOKEN_FEATURE_GATE_NOTE,
  type CredentialProvider,
  type CredentialProviderConfig,
} from "../core/kubelet-config.ts";
import { answer, errorCode, type Io } from "../io.ts";
import type { Log } from "../log.ts";
import type { Prepared } from "../setup.ts";
import { envPlaceholder, providerConfigFor, ProviderConfigError, providerConfigJson } from "./kubelet-config.ts";

export const BIN_DIR_FLAG = "--image-credential-provider-bin-dir";
export const CONFIG_FLAG = "--image-credential-provider-config";
const ENV_VARIABLE = "KUBELET_EXTRA_ARGS";
/** Where the kubelet's systemd unit takes KUBELET_EXTRA_ARGS from: RPM-based, Debian-based distributions; drop-ins. */
const ENV_FILES = ["/etc/sysconfig/kubelet", "/etc/default/kubelet"];
const DROP_IN_DIR = "/etc/systemd/system/kubelet.service.d";

/** A problem found while planning: nothing is changed, exit 1. */
class Refusal extends Error {
  override name = "Refusal";
}

/** One file or directory install looks after. */
interface Step {
  label: string;
  /** Where it is written (under --root). */
  path: string;
  /** What is done, in the past tense ("written", "replaced"); null when it is already right. */
  change: string | null;
  /** The same, as a plan for --dry-run ("would be written"). */
  planned?: string;
  /** The kubelet reads it only at start: a change needs a restart. */
  restart?: boolean;
  apply?: () => void;
}

export async function install(io: Io, log: Log, prepared: Prepared, options: Options): Promise<number> {
  const paths: Record<"binDir" | "providerConfig" | "kubeletEnvFile", string | undefined> = {
    binDir: options.binDir ?? DEFAULTS.install.binDir,
    providerConfig: options.providerConfig ?? DEFAULTS.install.providerConfig,
    kubeletEnvFile: options.kubeletEnvFile,
  };
  for (const [key, flag] of [["binDir", "--bin-dir"], ["providerConfig", "--provider-config"], ["kubeletEnvFile", "--kubelet-env-file"]] as const) {
    const path = paths[key];
    if (path !== undefined && !isAbsolute(path)) {
      log.error(`option ${flag} must be an absolute path: the node's path (taken under --root when it is given)`);
      return 2;
    }
  }
  const binDir = normalize(paths.binDir as string);
  const providerConfigPath = normalize(paths.providerConfig as string);
  const root = options.root === undefined ? undefined : resolve(options.root);
  /** A path on the node, where this run writes it. */
  const onNode = (path: string) => (root === undefined ? path : join(root, path));
  const name = options.name ?? DEFAULTS.providerName;
  const installedConfig = options.config === undefined ? undefined : join(DEFAULTS.install.configDir, `${name}.json`);

  let built;
  try {
    built = await providerConfigFor(prepared, options, installedConfig);
  } catch (error) {
    if (!(error instanceof ProviderConfigError)) throw error;
    log.error(error.message);
    return 2;
  }
  for (const note of built.notes) log.note(note);

  let steps: Step[];
  try {
    steps = [
      binaryStep(io.execPath ?? process.execPath, join(onNode(binDir), name)),
      ...(installedConfig === undefined || prepared.configText === null ? [] : [configFileStep(prepared.configText, onNode(installedConfig))]),
      ...[...new Set(built.inspections.flatMap((inspection) => inspection.directories ?? []))].map((dir) => directoryStep(onNode(dir))),
      providerConfigStep(onNode(providerConfigPath), built.provider),
      ...(paths.kubeletEnvFile === undefined ? [] : [envFileStep(onNode(paths.kubeletEnvFile), binDir, providerConfigPath)]),
    ];
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    log.error(`${error.message}. Nothing was changed.`);
    return 1;
  }

  const dryRun = options.dryRun === true;
  const report: string[] = [];
  if (dryRun) report.push("Dry run: nothing is changed.");
  const width = "kubelet env file".length; // the longest label: one layout for every run
  for (const step of steps) {
    if (step.change !== null && !dryRun) {
      try {
        step.apply?.();
      } catch (error) {
        answer(io, log, report.join("\n") + (report.length > 0 ? "\n" : ""));
        log.error(`${step.label} ${step.path}: failed (${errorCode(error)}); the steps after it were not done`);
        return 1;
      }
    }
    report.push(`${step.label.padEnd(width)}  ${step.path}: ${step.change === null ? "unchanged" : dryRun ? step.planned : step.change}`);
  }

  report.push("", "Kubelet flags:", `  ${BIN_DIR_FLAG}=${binDir}`, `  ${CONFIG_FLAG}=${providerConfigPath}`);
  report.push(...(paths.kubeletEnvFile === undefined ? whereFlagsGo(onNode, root, binDir, providerConfigPath) : [`Where: ${ENV_VARIABLE} in ${paths.kubeletEnvFile} (--kubelet-env-file)`]));
  if (built.provider.tokenAttributes !== undefined) report.push("", `Note: ${TOKEN_FEATURE_GATE_NOTE}`);

  const changed = steps.filter((step) => step.change !== null);
  const restartFor = changed.filter((step) => step.restart).map((step) => step.label);
  report.push("");
  if (restartFor.length > 0) {
    report.push(
      `Kubelet restart ${dryRun ? "would be needed" : "needed"}: the ${restartFor.join(" and the ")} ${dryRun ? "would change" : "changed"}, ` +
        `and the kubelet reads ${restartFor.length > 1 ? "them" : "it"} only when it starts (systemctl restart kubelet).`,
    );
  } else if (changed.length > 0) {
    report.push(
      `No kubelet restart needed: only the ${[...new Set(changed.map((step) => step.label))].join(", ")} ${dryRun ? "would change" : "changed"}; ` +
        "the kubelet runs the provider afresh for every pull its cache does not answer.",
    );
  } else {
    report.push("Nothing to change: everything is in place. No kubelet restart needed.");
  }
  return answer(io, log, `${report.join("\n")}\n`);
}

/** A file's stats, or null when there is nothing there. */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Refusal(`${path} cannot be looked at (${(error as NodeJS.ErrnoException).code})`);
  }
}

function modeOf(stats: Stats): number {
  return stats.mode & 0o7777;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/** A regular file at `path` with `mode` and the content `same` recognises; `write` puts it there. */
function fileStep(label: string, path: string, mode: number, same: () => boolean, write: () => void, restart = false): Step {
  const stats = statOrNull(path);
  if (stats !== null && !stats.isFile()) throw new Refusal(`${label} ${path} is not a regular file`);
  const apply = () => {
    mkdirSync(join(path, ".."), { recursive: true, mode: 0o755 });
    write();
  };
  if (stats === null) return { label, path, change: `written (mode ${octal(mode)})`, planned: `would be written (mode ${octal(mode)})`, restart, apply };
  if (!same()) return { label, path, change: `replaced (mode ${octal(mode)})`, planned: `would be replaced (mode ${octal(mode)})`, restart, apply };
  if (modeOf(stats) !== mode) {
    // The same content: a mode alone changes nothing the kubelet reads.
    return { label, path, change: `mode set to ${octal(mode)}`, planned: `would get mode ${octal(mode)} (now ${octal(modeOf(stats))})`, apply: () => chmodSync(path, mode) };
  }
  return { label, path, change: null };
}

function binaryStep(source: string, path: string): Step {
  if (statOrNull(source)?.isFile() !== true) throw new Refusal(`the running binary ${source} cannot be read to be copied`);
  return fileStep("binary", path, 0o755, () => sameBytes(source, path), () => copyFileAtomic(source, path, 0o755));
}

/**
 * The --config file, copied where the provider's args name it: the text that was read and checked
 * at start-up, not a second read that could differ. It may hold secrets: 0600.
 */
function configFileStep(text: string, path: string): Step {
  return fileStep("config file", path, 0o600, () => readFileSync(path, "utf8") === text, () => writeFileAtomic(path, text, 0o600));
}

function directoryStep(path: string): Step {
  const label = "credential dir";
  const stats = statOrNull(path);
  if (stats === null) {
    return {
      label,
      path,
      change: "created (mode 0700)",
      planned: "would be created (mode 0700)",
      apply: () => {
        mkdirSync(join(path, ".."), { recursive: true, mode: 0o755 });
        mkdirSync(path, { mode: 0o700 });
        chmodSync(path, 0o700); // whatever the umask
      },
    };
  }
  if (!stats.isDirectory()) throw new Refusal(`${label} ${path} is not a directory`);
  return { label, path, change: null };
}

type ExistingConfig = { apiVersion?: unknown; kind?: unknown; providers?: unknown[] };

/**
 * The kubelet's provider config, with our provider in it. Other providers in an existing file are
 * kept; values an operator put in place of our env placeholders are kept (never shown).
 */
function providerConfigStep(path: string, ours: CredentialProvider): Step {
  const label = "provider config";
  let existing: ExistingConfig | null = null;
  if (statOrNull(path) !== null) {
    let text: string | null;
    try {
      text = readOptionalFile(path, DEFAULTS.fileLimits.configFile);
    } catch (error) {
      if (error instanceof FileReadError) throw new Refusal(`${label}: ${error.message}`);
      throw error;
    }
    const parsed = parseJson(text ?? "");
    const value = parsed.ok ? (parsed.value as ExistingConfig | null) : null;
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Array.isArray(value.providers ?? [])) {
      throw new Refusal(`${label} ${path} exists and is not a JSON CredentialProviderConfig: not overwritten (move it away, or give --provider-config another path)`);
    }
    existing = value;
  }
  const providers = (existing?.providers ?? []) as CredentialProvider[];
  const at = providers.findIndex((provider) => provider?.name === ours.name);
  const previous = at === -1 ? undefined : providers[at];
  const provider: CredentialProvider = { ...ours };
  if (ours.env !== undefined) {
    provider.env = ours.env.map(({ name }) => ({ name, value: previous?.env?.find((entry) => entry?.name === name)?.value ?? envPlaceholder(name) }));
  }
  const document: CredentialProviderConfig = {
    apiVersion: KUBELET_CONFIG_API_VERSION,
    kind: KUBELET_CONFIG_KIND,
    providers: at === -1 ? [...providers, provider] : providers.map((other, i) => (i === at ? provider : other)),
  };
  const problems = credentialProviderConfigProblems(document);
  if (problems.length > 0) throw new Refusal(`${label} ${path} would not pass the kubelet's validation: ${problems.join("; ")}`);
  const text = providerConfigJson(document);
  // Compared as data: an operator's own formatting of the same content is left alone.
  const same = () => existing !== null && canonical(existing) === canonical(document);
  return fileStep(label, path, 0o600, same, () => writeFileAtomic(path, text, 0o600), true);
}

/** JSON with its object keys sorted: equal for equal data. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** KUBELET_EXTRA_ARGS as a systemd EnvironmentFile (or a shell) line holds it. */
interface ExtraArgsLine {
  /** Index of the line that sets it (the last one wins), or -1. */
  index: number;
  /** What comes before the value: indentation, "export ", the name and "=". */
  head: string;
  quote: '"' | "'" | "";
  args: string[];
}

/** The last KUBELET_EXTRA_ARGS line of an environment file's text. */
export function readExtraArgs(text: string): ExtraArgsLine {
  const lines = text.split("\n");
  for (let index = lines.length - 1; index >= 0; index--) {
    const match = /^(\s*(?:export\s+)?KUBELET_EXTRA_ARGS=)(.*)$/.exec(lines[index] as string);
    if (!match) continue;
    const raw = (match[2] as string).trim();
    const quote = raw.startsWith('"') ? '"' : raw.startsWith("'") ? "'" : "";
    const inner = quote === "" ? raw : raw.slice(1, raw.lastIndexOf(quote) > 0 ? raw.lastIndexOf(quote) : undefined);
    return { index, head: match[1] as string, quote, args: inner.split(/\s+/).filter(Boolean) };
  }
  return { index: -1, head: `${ENV_VARIABLE}=`, quote: '"', args: [] };
}

/** The values a flag has in an argument list ("--flag=value" or "--flag value"). */
export function flagValues(args: readonly string[], flag: string): string[] {
  const values: string[] = [];
  args.forEach((arg, i) => {
    if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
    else if (arg === flag && args[i + 1] !== undefined) values.push(args[i + 1] as string);
  });
  return values;
}

const samePath = (a: string, b: string) => normalize(a).replace(/(.)\/+$/, "$1") === normalize(b).replace(/(.)\/+$/, "$1");

/**
 * The flags this install needs, against what an argument list already has: the ones to add, and
 * the ones that name another bin dir or config (a conflict: never overwritten).
 */
export function flagStatus(args: readonly string[], binDir: string, providerConfig: string): { missing: string[]; conflicts: string[] } {
  const missing: string[] = [];
  const conflicts: string[] = [];
  for (const [flag, wanted] of [[BIN_DIR_FLAG, binDir], [CONFIG_FLAG, providerConfig]] as const) {
    const values = flagValues(args, flag);
    if (values.length === 0) missing.push(`${flag}=${wanted}`);
    for (const value of values) if (!samePath(value, wanted)) conflicts.push(`${flag}=${value}`);
  }
  return { missing, conflicts };
}

/** KUBELET_EXTRA_ARGS in `path` given the flags, a backup of the old file kept beside it. */
function envFileStep(path: string, binDir: string, providerConfig: string): Step {
  const label = "kubelet env file";
  const stats = statOrNull(path);
  if (stats !== null && !stats.isFile()) throw new Refusal(`${label} ${path} is not a regular file`);
  const old = stats === null ? "" : readFileSync(path, "utf8");
  const line = readExtraArgs(old);
  const { missing, conflicts } = flagStatus(line.args, binDir, providerConfig);
  if (conflicts.length > 0) {
    throw new Refusal(
      `${path}: ${ENV_VARIABLE} already has ${conflicts.join(" and ")}, which this install would not use; ` +
        `it is not overwritten: remove it from ${path}, or install with --bin-dir and --provider-config naming the same paths`,
    );
  }
  if (missing.length === 0) return { label, path, change: null };
  const args = [...line.args, ...missing].join(" ");
  const quote = line.quote !== "" ? line.quote : args.includes('"') ? "'" : '"';
  const newLine = `${line.head}${quote}${args}${quote}`;
  const lines = old === "" ? [] : old.replace(/\n$/, "").split("\n");
  if (line.index === -1) lines.push(newLine);
  else lines[line.index] = newLine;
  const text = `${lines.join("\n")}\n`;
  // Bun's own hasher: importing node:crypto costs every run of the program 1.7 ms at start-up.
  const backup = `${path}.bak-${new Bun.CryptoHasher("sha256").update(old).digest("hex").slice(0, 12)}`;
  const what = `${ENV_VARIABLE} ${line.index === -1 ? "added" : "edited"} (${missing.length === 2 ? "both flags" : missing[0]?.split("=")[0]})`;
  return {
    label,
    path,
    change: stats === null ? `written with ${what}` : `${what}; the old file kept as ${backup}`,
    planned: stats === null ? `would be written with ${what}` : `would have ${what}; the old file kept as ${backup}`,
    restart: true,
    apply: () => {
      const mode = stats === null ? 0o644 : modeOf(stats);
      if (stats !== null) {
        writeFileAtomic(backup, old, mode);
        chownBestEffort(backup, stats);
      } else mkdirSync(join(path, ".."), { recursive: true, mode: 0o755 });
      writeFileAtomic(path, text, mode);
      if (stats !== null) chownBestEffort(path, stats);
    },
  };
}

function chownBestEffort(path: string, owner: Stats): void {
  try {
    chownSync(path, owner.uid, owner.gid);
  } catch {
    // Not root: the file stays ours, as everything else this run writes.
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Where the flags go on this node, and whether they are there already. */
function whereFlagsGo(onNode: (path: string) => string, root: string | undefined, binDir: string, providerConfig: string): string[] {
  const lines: string[] = [];
  const under = root === undefined ? "" : ` under ${root}`;
  let found = false;
  for (const file of ENV_FILES) {
    const path = onNode(file);
    if (statOrNull(path)?.isFile() !== true) continue;
    found = true;
    const text = readOrNull(path);
    if (text === null) {
      lines.push(`  ${file} exists but cannot be read`);
      continue;
    }
    const { missing, conflicts } = flagStatus(readExtraArgs(text).args, binDir, providerConfig);
    if (conflicts.length > 0) lines.push(`  ${file}: ${ENV_VARIABLE} names another bin dir or config (${conflicts.join(", ")}): change it there by hand`);
    else if (missing.length === 0) lines.push(`  ${file}: ${ENV_VARIABLE} has them already`);
    else lines.push(`  ${file} exists: add them to ${ENV_VARIABLE} there, or run install again with --kubelet-env-file ${file}`);
  }
  const dropIns = onNode(DROP_IN_DIR);
  if (statOrNull(dropIns)?.isDirectory() === true) {
    found = true;
    const files = readdirSync(dropIns).filter((file) => file.endsWith(".conf")).sort();
    const naming = files.filter((file) => readOrNull(join(dropIns, file))?.includes(CONFIG_FLAG) === true);
    lines.push(
      naming.length > 0
        ? `  ${DROP_IN_DIR}: ${naming.join(", ")} name${naming.length === 1 ? "s" : ""} ${CONFIG_FLAG} already: check that ${naming.length === 1 ? "it names" : "they name"} these paths`
        : `  ${DROP_IN_DIR} exists: the kubelet's systemd drop-ins (${files.length > 0 ? files.join(", ") : "none yet"}); the flags may go in one of them`,
    );
  }
  if (!found) lines.push(`  none of ${[...ENV_FILES, DROP_IN_DIR].join(", ")} exists${under}: add them where the kubelet's service takes its arguments`);
  return [`Where (the kubelet reads its flags only when it starts):`, ...lines];
}
