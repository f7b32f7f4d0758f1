// Command-line parsing. The flags are the seed script's (-c/--credroot, -d/--debug, -v/--version)
// plus our own; they arrive through the kubelet's `args`. Accepted forms: "--flag value",
// "--flag=value", "-c value", "-cvalue" and bundled short flags ("-dv"). Errors name the flag,
// never its value.
import * as v from "valibot";
import { DEFAULTS } from "./core/defaults.ts";
import { goDuration } from "./core/validation.ts";

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
}

export class UsageError extends Error {
  override name = "UsageError";
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

/** A Go duration flag, in canonical form. */
function duration(sign: "non-negative" | "positive") {
  return (value: string, flag: string) => {
    const parsed = v.safeParse(goDuration(sign), value);
    if (!parsed.success) throw new UsageError(`option ${flag} ${parsed.issues[0]?.message ?? "is invalid"}`);
    return parsed.output;
  };
}

const FLAGS: Record<string, FlagSpec> = {
  "--help": { key: "help", short: "-h" },
  "--version": { key: "version", short: "-v" },
  "--debug": { key: "debug", short: "-d" },
  "--config": { key: "config", value: path },
  "--backends": {
    key: "backends",
    value: (value, flag) => {
      const names = value.split(",").map((name) => name.trim());
      if (names.some((name) => name === "")) throw new UsageError(`option ${flag} needs backend names separated by commas`);
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

export const USAGE = `Usage: generic-credential-provider [options] < CredentialProviderRequest.json

A kubelet image credential provider: reads a CredentialProviderRequest on stdin and prints a
CredentialProviderResponse with the registry's username and password on stdout.

Options:
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
  -h, --help                print this help and exit
`;

export function parseArgs(argv: readonly string[]): Options {
  const options: Options = { help: false, version: false, debug: false };
  const set = options as unknown as Record<string, unknown>;
  const queue = [...argv];
  while (queue.length > 0) {
    const arg = queue.shift() as string;
    let name = arg;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq !== -1) {
        name = arg.slice(0, eq);
        inline = arg.slice(eq + 1);
      }
    } else if (arg.startsWith("-") && arg.length > 2) {
      name = arg.slice(0, 2); // "-cDIR"
      inline = arg.slice(2);
    }
    const [long, spec] = Object.entries(FLAGS).find(([flag, s]) => flag === name || s.short === name) ?? [];
    if (!long || !spec) {
      throw new UsageError(arg.startsWith("-") ? `unknown option ${safeName(name)}` : "unexpected argument");
    }
    if (!spec.value) {
      if (inline !== undefined && !arg.startsWith("--")) queue.unshift(`-${inline}`); // "-dv"
      else if (inline !== undefined) throw new UsageError(`option ${long} takes no value`);
      set[spec.key] = true;
      continue;
    }
    const value = inline ?? queue.shift();
    if (value === undefined) throw new UsageError(`option ${long} needs a value`);
    const parsed = spec.value(value, long);
    set[spec.key] = spec.repeat ? [...((set[spec.key] as unknown[]) ?? []), parsed] : parsed;
  }
  return options;
}

/** An unknown option's name, shown only if it looks like one (not a pasted secret). */
function safeName(name: string): string {
  return /^--?[A-Za-z0-9][A-Za-z0-9-]{0,40}$/.test(name) ? name : "(not shown)";
}
