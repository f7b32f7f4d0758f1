// Command-line parsing. The flags are the seed script's (-c/--credroot, -d/--debug, -v/--version)
// plus our own; they arrive through the kubelet's `args`. Accepted forms: "--flag value",
// "--flag=value", "-c value" and "-cvalue". Errors name the flag, never its value.

export interface Options {
  help: boolean;
  version: boolean;
  debug: boolean;
  credroot?: string;
  onMiss?: "error" | "empty";
  syslogSocket?: string;
}

export class UsageError extends Error {
  override name = "UsageError";
}

type FlagSpec = { key: keyof Options; takesValue: boolean; short?: string; values?: readonly string[] };

const FLAGS: Record<string, FlagSpec> = {
  "--help": { key: "help", takesValue: false, short: "-h" },
  "--version": { key: "version", takesValue: false, short: "-v" },
  "--debug": { key: "debug", takesValue: false, short: "-d" },
  "--credroot": { key: "credroot", takesValue: true, short: "-c" },
  "--on-miss": { key: "onMiss", takesValue: true, values: ["error", "empty"] },
  "--syslog-socket": { key: "syslogSocket", takesValue: true },
};

export const USAGE = `Usage: generic-credential-provider [options] < CredentialProviderRequest.json

A kubelet image credential provider: reads a CredentialProviderRequest on stdin and prints a
CredentialProviderResponse with the registry's username and password on stdout.

Options:
  -c, --credroot DIR        directory of per-registry JSON files (default /etc/kubernetes/registry)
      --on-miss error|empty when no backend has credentials: exit 1 (default), or answer with
                            no credentials and cacheDuration "0s" and exit 0
      --syslog-socket PATH  syslog socket (default /dev/log; "" turns syslog off)
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
    if (!spec.takesValue) {
      if (inline !== undefined && !arg.startsWith("--")) queue.unshift(`-${inline}`); // "-dv"
      else if (inline !== undefined) throw new UsageError(`option ${long} takes no value`);
      set[spec.key] = true;
      continue;
    }
    const value = inline ?? queue.shift();
    if (value === undefined) throw new UsageError(`option ${long} needs a value`);
    if (spec.values && !spec.values.includes(value)) {
      throw new UsageError(`option ${long} must be one of: ${spec.values.join(", ")}`);
    }
    set[spec.key] = value;
  }
  return options;
}

/** An unknown option's name, shown only if it looks like one (not a pasted secret). */
function safeName(name: string): string {
  return /^--?[A-Za-z0-9][A-Za-z0-9-]{0,40}$/.test(name) ? name : "(not shown)";
}
