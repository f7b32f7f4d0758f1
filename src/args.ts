// Command-line parsing. Without a command the program is the kubelet plugin; its flags are the
// seed script's (-c/--credroot, -d/--debug, -v/--version) plus our own, and they arrive through the
// kubelet's `args`. The operator commands (explain, check, kubelet-config, install, sync, version)
// take the same global options, before or after the command, and options of their own. Accepted
// forms: "--flag value", "--flag=value", "-c value", "-cvalue" and bundled short flags ("-dv").
// Errors name the flag, never its value.
import { resolve } from "node:path";
import * as v from "valibot";
import { DEFAULTS } from "./core/defaults.ts";
import { matchImageProblem } from "./core/match.ts";
import { API_VERSIONS } from "./core/protocol.ts";
import { goDuration } from "./core/validation.ts";

export const COMMANDS = ["explain", "check", "kubelet-config", "install", "sync", "version"] as const;
/** "provide": no command, the kubelet plugin. */
export type Command = (typeof COMMANDS)[number] | "provide";

export interface Options {
  help: boolean;
  version: boolean;
  debug: boolean;
  config?: string;
  backends?: string[];
  credroot?: string;
  dockerConfig?: string[];
  cacheDuration?: string;
  deadline?: string;
  onMiss?: "error" | "empty";
  syslogSocket?: string;
  // Command options.
  json?: boolean;
  serviceAccount?: string;
  annotations?: string[];
  format?: "json" | "yaml";
  apiVersion?: string;
  matchImages?: string[];
  name?: string;
  dryRun?: boolean;
  root?: string;
  kubeletEnvFile?: string;
  binDir?: string;
  providerConfig?: string;
  from?: string;
  to?: string;
  once?: boolean;
  interval?: string;
}

export interface Invocation {
  command: Command;
  options: Options;
  /** What follows the command that is not an option (explain's IMAGE). */
  positionals: string[];
}

export class UsageError extends Error {
  override name = "UsageError";
  /** The command whose usage should be shown. */
  constructor(message: string, readonly command: Command = "provide") {
    super(message);
  }
}

interface FlagSpec {
  key: keyof Options;
  short?: string;
  /** Absent for switches. Returns the value to store, or throws UsageError. */
  value?: (text: string, flag: string) => unknown;
  /** Repeatable: values are collected in an array. */
  repeat?: boolean;
}

const text = (value: string) => value;
/** A path given on the command line: relative to where we run, but never empty (that would mean "here" unnoticed). */
const path = (value: string, flag: string) => {
  if (value === "") throw new UsageError(`option ${flag} needs a path, not an empty string`);
  return value;
};
const oneOf =
  (...allowed: string[]) =>
  (value: string, flag: string) => {
    if (!allowed.includes(value)) throw new UsageError(`option ${flag} must be one of: ${allowed.join(", ")}`);
    return value;
  };
const nonEmpty = (value: string, flag: string) => {
  if (value === "") throw new UsageError(`option ${flag} must not be empty`);
  return value;
};

/** A Go duration flag, in canonical form. */
function duration(sign: "non-negative" | "positive") {
  return (value: string, flag: string) => {
    const parsed = v.safeParse(goDuration(sign), value);
    if (!parsed.success) throw new UsageError(`option ${flag} ${parsed.issues[0]?.message ?? "is invalid"}`);
    return parsed.output;
  };
}

const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  "--help": { key: "help", short: "-h" },
  "--version": { key: "version", short: "-v" },
  "--debug": { key: "debug", short: "-d" },
  "--config": { key: "config", value: path },
  "--backends": {
    key: "backends",
    value: (value, flag) => {
      const names = value.split(",").map((name) => name.trim());
      if (names.some((name) => name === "")) throw new UsageError(`option ${flag} needs backend names separated by commas`);
      const twice = names.find((name, i) => names.indexOf(name) !== i);
      if (twice !== undefined) throw new UsageError(`option ${flag} names a backend twice`);
      return names;
    },
  },
  "--credroot": { key: "credroot", short: "-c", value: path },
  "--docker-config": { key: "dockerConfig", value: path, repeat: true },
  "--cache-duration": { key: "cacheDuration", value: duration("non-negative") },
  "--deadline": { key: "deadline", value: duration("positive") },
  "--on-miss": { key: "onMiss", value: oneOf("error", "empty") },
  "--syslog-socket": { key: "syslogSocket", value: text },
};

/** A matchImages pattern: refused when the kubelet's matcher would never match it as written. */
const matchImage = (value: string, flag: string) => {
  const problem = matchImageProblem(value);
  if (problem !== null) throw new UsageError(`option ${flag}: the pattern ${problem}`);
  return value;
};

const MATCH_IMAGE: FlagSpec = { key: "matchImages", value: matchImage, repeat: true };
const API_VERSION: FlagSpec = { key: "apiVersion", value: oneOf(...API_VERSIONS) };
const NAME: FlagSpec = { key: "name", value: nonEmpty };

const COMMAND_FLAGS: Record<Command, Record<string, FlagSpec>> = {
  provide: {},
  explain: {
    "--json": { key: "json" },
    "--service-account": { key: "serviceAccount", value: nonEmpty },
    "--annotation": { key: "annotations", value: nonEmpty, repeat: true },
  },
  check: {},
  "kubelet-config": {
    "--format": { key: "format", value: oneOf("json", "yaml") },
    "--api-version": API_VERSION,
    "--match-image": MATCH_IMAGE,
    "--name": NAME,
  },
  install: {
    "--dry-run": { key: "dryRun" },
    "--root": { key: "root", value: path },
    "--kubelet-env-file": { key: "kubeletEnvFile", value: path },
    "--bin-dir": { key: "binDir", value: path },
    "--provider-config": { key: "providerConfig", value: path },
    "--api-version": API_VERSION,
    "--match-image": MATCH_IMAGE,
    "--name": NAME,
  },
  sync: {
    "--from": { key: "from", value: path },
    "--to": { key: "to", value: path },
    "--once": { key: "once" },
    "--interval": { key: "interval", value: duration("positive") },
  },
  version: {},
};

/** How many positionals each command takes after its name. */
const POSITIONALS: Record<Command, { min: number; max: number; what: string }> = {
  provide: { min: 0, max: 0, what: "" },
  explain: { min: 1, max: 1, what: "IMAGE" },
  check: { min: 0, max: 0, what: "" },
  "kubelet-config": { min: 0, max: 0, what: "" },
  install: { min: 0, max: 0, what: "" },
  sync: { min: 0, max: 0, what: "" },
  version: { min: 0, max: 0, what: "" },
};

export function parseArgs(argv: readonly string[]): Invocation {
  const options: Options = { help: false, version: false, debug: false };
  const set = options as unknown as Record<string, unknown>;
  let command: Command = "provide";
  const positionals: string[] = [];
  const queue = [...argv];
  while (queue.length > 0) {
    const arg = queue.shift() as string;
    if (!arg.startsWith("-") || arg === "-") {
      // The first word is the command; later ones are its arguments.
      if (command === "provide" && positionals.length === 0 && (COMMANDS as readonly string[]).includes(arg)) {
        command = arg as Command;
        continue;
      }
      if (command === "provide") throw new UsageError(`unexpected argument: expected options, or one of the commands ${COMMANDS.join(", ")}`);
      positionals.push(arg);
      continue;
    }
    let name = arg;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq !== -1) {
        name = arg.slice(0, eq);
        inline = arg.slice(eq + 1);
      }
    } else if (arg.length > 2) {
      name = arg.slice(0, 2); // "-cDIR"
      inline = arg.slice(2);
    }
    const flags = { ...GLOBAL_FLAGS, ...COMMAND_FLAGS[command] };
    const [long, spec] = Object.entries(flags).find(([flag, s]) => flag === name || s.short === name) ?? [];
    if (!long || !spec) {
      const known = Object.values(COMMAND_FLAGS).some((commandFlags) => Object.hasOwn(commandFlags, name));
      throw new UsageError(
        known ? `option ${name} belongs to another command` : `unknown option ${safeName(name)}`,
        command,
      );
    }
    if (!spec.value) {
      if (inline !== undefined && !arg.startsWith("--")) queue.unshift(`-${inline}`); // "-dv"
      else if (inline !== undefined) throw new UsageError(`option ${long} takes no value`, command);
      set[spec.key] = true;
      continue;
    }
    const value = inline ?? queue.shift();
    if (value === undefined) throw new UsageError(`option ${long} needs a value`, command);
    let parsed: unknown;
    try {
      parsed = spec.value(value, long);
    } catch (error) {
      // A bad value of a command's option shows that command's usage.
      if (error instanceof UsageError && error.command !== command) throw new UsageError(error.message, command);
      throw error;
    }
    set[spec.key] = spec.repeat ? [...((set[spec.key] as unknown[]) ?? []), parsed] : parsed;
  }
  const expected = POSITIONALS[command];
  if (!options.help && (positionals.length < expected.min || positionals.length > expected.max)) {
    throw new UsageError(
      expected.max === 0 ? `${command} takes no arguments` : `${command} takes ${expected.what}`,
      command,
    );
  }
  if (command === "sync" && !options.help) checkSyncOptions(options);
  return { command, options, positionals };
}

/** sync needs both directories, and never writes into the Secret it reads. */
function checkSyncOptions(options: Options): void {
  if (options.from === undefined || options.to === undefined) throw new UsageError("sync needs --from DIR and --to DIR", "sync");
  const from = resolve(options.from);
  const to = resolve(options.to);
  if (to === from || to.startsWith(`${from}/`)) throw new UsageError("option --to must not be --from or inside it", "sync");
  if (options.once && options.interval !== undefined) throw new UsageError("option --interval has no use with --once", "sync");
}

/**
 * The global options of an invocation as arguments that reproduce them: kubelet-config and
 * install put them in the provider's `args`. Paths are made absolute (the kubelet runs us from
 * its own directory), durations are already canonical; `replace` substitutes a value (install's
 * host path of the config file). --debug, --help and --version are not configuration: left out.
 */
export function globalArgs(options: Options, replace: Partial<Record<keyof Options, string>> = {}): string[] {
  const args: string[] = [];
  for (const [flag, spec] of Object.entries(GLOBAL_FLAGS)) {
    const given = replace[spec.key] ?? options[spec.key];
    if (spec.value === undefined || given === undefined) continue;
    const values = Array.isArray(given) ? given.map(String) : [String(given)];
    if (!spec.repeat && values.length > 1) args.push(flag, values.join(",")); // --backends a,b
    else for (const value of values) args.push(flag, spec.value === path ? resolve(value) : value);
  }
  return args;
}

/** An unknown option's name, shown only if it looks like one (not a pasted secret). */
function safeName(name: string): string {
  return /^--?[A-Za-z0-9][A-Za-z0-9-]{0,40}$/.test(name) ? name : "(not shown)";
}

const GLOBAL_OPTIONS = `Options (for every command):
      --config FILE         JSON config file: backends and their options, global settings
      --backends LIST       backends to ask, in order, by name (default ${DEFAULTS.chain.join(",")})
  -c, --credroot DIR        directory of the file backend (default ${DEFAULTS.credroot})
      --docker-config FILE  a Docker/containers auth file for the docker-config backend; repeat
                            for several (replaces the default list)
      --cache-duration DUR  cacheDuration for answers whose source sets none (default: ${DEFAULTS.cacheDuration ?? "none, the kubelet's defaultCacheDuration applies"})
      --deadline DUR        time limit of the whole run, children included (default ${DEFAULTS.deadline};
                            the kubelet kills a provider after 60s)
      --on-miss error|empty when no backend has credentials: exit 1 (default), or answer with
                            no credentials and cacheDuration "0s" and exit 0
      --syslog-socket PATH  syslog socket (default ${DEFAULTS.syslogSocket}; "" turns syslog off)
  -d, --debug               print the lookup steps on stderr (never a credential)
  -v, --version             print the version and exit
  -h, --help                print this help (or a command's) and exit
`;

export const USAGE = `Usage: generic-credential-provider [options] < CredentialProviderRequest.json
       generic-credential-provider COMMAND [options]

A kubelet image credential provider: reads a CredentialProviderRequest on stdin and prints a
CredentialProviderResponse with the registry's username and password on stdout.

Commands (reports on stdout, problems on stderr; "COMMAND --help" for each):
  explain IMAGE             what the chain answers for an image, and what the kubelet will do with it
  check                     check the whole configuration and the files it reads, with fixes
  kubelet-config            print the kubelet's CredentialProviderConfig for this configuration
  install                   install this binary and its kubelet configuration on a node
  sync                      keep a node's credential directory in step with a mounted Secret
  version                   print the version, the commit and the Bun version it was built from

${GLOBAL_OPTIONS}
Backend types: file, env, docker-config, helper, exec, token.
Config file keys: backends, defaultCacheDuration, deadline, onMiss, log.syslogSocket, log.debug,
serviceAccountTokenAudience (README, "Config file"; config.schema.json).

Exit status: 0 a response was printed; 1 no backend had credentials, or the response could not be
written; 2 bad usage, a bad config file or a bad request. README: "Command line".
`;

const COMMAND_USAGE: Record<Exclude<Command, "provide">, string> = {
  explain: `Usage: generic-credential-provider explain IMAGE [--json] [--service-account NS/NAME] [--annotation KEY=VALUE]… [options]

Runs the configured chain for IMAGE as the kubelet would ask for it ("nginx" is asked as
docker.io/library/nginx; tags and digests are dropped) and prints each backend asked and what it
looked at, which one answered, the auth keys and whether the kubelet uses each for the image, the
cache key type and duration and why, and warnings. Passwords are never shown.

      --json                    the report as JSON (README, "explain")
      --service-account NS/NAME ask as a pod of that service account (for serviceAccounts scopes)
      --annotation KEY=VALUE    a service-account annotation of that pod; repeat for several

Exit status: 0 the kubelet gets credentials it uses for the image; 1 it does not; 2 bad usage or
configuration. README: "Troubleshooting".
`,
  check: `Usage: generic-credential-provider check [options]

Checks the configuration without a request: the config file, every credential file and auth file
the backends would read (parse, fields, size), helpers and exec commands present and executable,
directories, and permissions. Prints every problem with its fix.

Exit status: 0 no problem; 1 problems found; 2 bad usage or configuration. README: "Troubleshooting".
`,
  "kubelet-config": `Usage: generic-credential-provider kubelet-config [--format json|yaml] [--api-version V] [--match-image PATTERN]… [--name NAME] [options]

Prints a kubelet CredentialProviderConfig (kubelet.config.k8s.io/v1) for this configuration,
checked with the kubelet's own validation rules:
  name                  --name (default ${DEFAULTS.providerName}): its file name in the bin dir
  matchImages           --match-image, else derived from what the backends know: credential file
                        names ("example.org.json": example.org, *.example.org, … ${DEFAULTS.matchImagesSuffixDepth} labels deep;
                        "host:5000.json": host:5000), docker config keys, helper, exec and token
                        matchImages; backends that cannot tell are named on stderr
  defaultCacheDuration  our --cache-duration / defaultCacheDuration, else ${DEFAULTS.kubeletDefaultCacheDuration}
  apiVersion            --api-version (default ${DEFAULTS.providerApiVersion})
  args                  the global options given here (paths made absolute; not --debug)
  env                   placeholders (never values) for the credential variables the backends read
  tokenAttributes       when a backend has serviceAccounts or is a token backend (v1 only; the
                        feature gate it needs is printed as a YAML comment, or on stderr)

      --format json|yaml        output format (default json)
      --api-version V           credentialprovider.kubelet.k8s.io/v1 (default), /v1beta1 or /v1alpha1
      --match-image PATTERN     a matchImages pattern (host[:port][/path], "*" for one host label);
                                repeat; replaces the derived ones
      --name NAME               the provider's name (default ${DEFAULTS.providerName})

Exit status: 0 printed; 2 bad usage, no matchImages (give --match-image), or a configuration the
kubelet would refuse. README: "kubelet-config".
`,
  install: `Usage: generic-credential-provider install [--dry-run] [--root DIR] [--kubelet-env-file FILE] [--bin-dir DIR] [--provider-config FILE] [options]

Installs this binary and its kubelet configuration on a node, each file by temp file and rename
(a running copy never makes it fail), the binary first and the provider config last, a file only
when its content changes; then prints the kubelet flags to add and where, and whether the kubelet
must be restarted (only when its provider config or its flags changed).
  the binary            BIN_DIR/NAME, mode 0755
  the config file       --config FILE, copied to ${DEFAULTS.install.configDir}/NAME.json (mode 0600), which the
                        provider's args name
  credential dirs       each file backend's dir, created mode 0700 when missing
  the provider config   kubelet-config's JSON (mode 0600); other providers in the file are kept,
                        and values put in place of env placeholders too

      --dry-run                 print every change, make none
      --root DIR                install under DIR: every path (--kubelet-env-file too) is taken
                                inside it; the provider's args keep the node's paths
      --kubelet-env-file FILE   add the flags to KUBELET_EXTRA_ARGS in FILE (the old file kept as
                                FILE.bak-<hash>); flags naming another bin dir or config are reported,
                                never overwritten
      --bin-dir DIR             the kubelet's provider bin dir (default ${DEFAULTS.install.binDir})
      --provider-config FILE    the kubelet's provider config (default ${DEFAULTS.install.providerConfig})
      --api-version V, --match-image PATTERN, --name NAME: as for kubelet-config

Exit status: 0 installed, or nothing to change; 1 a change failed, or was refused (nothing is then
changed); 2 bad usage, no matchImages (give --match-image), or bad configuration. README: "install".
`,
  sync: `Usage: generic-credential-provider sync --from DIR --to DIR [--once] [--interval DUR] [options]

Mirrors a Secret mounted by the kubelet (DIR, as its atomic writer lays it out: ..data and the
key links) into a node's credential directory for the file backend: every *.json key that is a
valid credential file is copied by temp file and rename with mode 0600 into a 0700 directory, and
a *.json file there that is no longer a key is removed. Other keys, invalid files and links that
lead outside --from are reported by name and not copied (a refused key's copy on the node is
kept). Runs until SIGTERM, reacting at once to each update of the Secret (inotify on --from), and
re-syncs every --interval as a safety net. Changes are printed on stdout, problems on stderr:
file names only, never content.

      --from DIR                the Secret volume (a mount of the whole Secret: a subPath
                                mount never updates)
      --to DIR                  the node's credential directory (the file backend's dir); its
                                *.json files belong to sync
      --once                    sync once and exit
      --interval DUR            the safety-net re-sync period (default ${DEFAULTS.syncInterval})

Exit status: 0 stopped by SIGTERM or SIGINT, or --once with every key copied; 1 the first sync
failed (--from unreadable, --to not writable), or --once refused a key; 2 bad usage.
README: "Running on many nodes".
`,
  version: `Usage: generic-credential-provider version

Prints the version line (as --version does), the git commit the binary was built from and the
Bun version inside it.
`,
};

/** The usage text of a command (the program's without one). */
export function usageOf(command: Command): string {
  return command === "provide" ? USAGE : COMMAND_USAGE[command];
}
