// The program as a function: run(io) parses the command line and runs the kubelet plugin or one
// of the operator commands, returning the exit code. main.ts binds it to the real process; tests
// call it directly.
import { parseArgs, usageOf, UsageError, type Invocation } from "./args.ts";
import { provide } from "./commands/provide.ts";
import { answer, type Io } from "./io.ts";
import { Log } from "./log.ts";
import { prepare } from "./setup.ts";
import { buildInfo, versionLine } from "./version.ts";

export type { Io } from "./io.ts";

export async function run(io: Io): Promise<number> {
  const log = new Log(io);
  let invocation: Invocation;
  try {
    invocation = parseArgs(io.argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.command === "provide") {
      // The kubelet shows our stderr: one line, not the whole usage.
      log.error(`${error.message} (see --help)`);
    } else {
      log.error(error.message);
      log.raw(`\n${usageOf(error.command)}`);
    }
    return 2;
  }
  const { command, options } = invocation;
  if (options.help) return answer(io, log, usageOf(command));
  if (options.version) return answer(io, log, versionLine());
  if (command === "version") return answer(io, log, buildInfo());

  const prepared = prepare(io, log, options);
  if (prepared === null) return 2;
  switch (command) {
    case "provide":
      return provide(io, log, prepared);
    // The operator commands are loaded only when asked for: the kubelet runs `provide` on every
    // pull, and with --splitting each import() below is a chunk a provide run never reads.
    case "explain":
      return (await import("./commands/explain.ts")).explain(io, log, prepared, invocation);
    case "check":
      return (await import("./commands/check.ts")).check(io, log, prepared, invocation);
    case "kubelet-config":
      return (await import("./commands/kubelet-config.ts")).kubeletConfig(io, log, prepared, options);
    case "install":
      return (await import("./commands/install.ts")).install(io, log, prepared, options);
    case "sync":
      return (await import("./commands/sync.ts")).sync(io, log, options);
    default:
      log.error(`the ${command} command is not available yet`);
      return 2;
  }
}
