// What every command needs before it can work: the settings (flags over the config file over the
// defaults), the run's deadline and the chain of backends, their options checked. Problems are
// configuration errors (exit 2), reported here.
import { createBackends } from "../backends/registry.ts";
import { BackendOptionsError, type Backend } from "../backends/types.ts";
import type { Options } from "./args.ts";
import { ConfigError, parseConfigFile, readConfigText, resolveSettings, type Settings } from "./config.ts";
import { Deadline } from "./core/deadline.ts";
import { durationMs } from "./core/duration.ts";
import type { Io } from "./io.ts";
import type { Log } from "./log.ts";

export interface Prepared {
  settings: Settings;
  backends: Backend[];
  deadline: Deadline;
  /** The --config file's text, as read once and checked (install copies exactly this), or null. */
  configText: string | null;
}

/** The settings and the chain, or null after reporting why they cannot be had (exit 2). */
export function prepare(io: Io, log: Log, options: Options): Prepared | null {
  log.debugEnabled = options.debug;
  try {
    let configText: string | null = null;
    let file;
    if (options.config !== undefined) {
      configText = readConfigText(options.config);
      file = parseConfigFile(options.config, configText);
    }
    const settings = resolveSettings(options, file);
    const deadline = new Deadline(durationMs(settings.deadline), settings.deadline, () => io.clock());
    const backends = createBackends(settings.backends, {
      env: io.env,
      deadline,
      debug: (m) => log.debug(m),
      warn: (m) => log.warn(m),
      passStderr: (line) => log.raw(`${line}\n`),
    });
    log.debugEnabled = settings.debug;
    log.syslogSocket = settings.syslogSocket;
    return { settings, backends, deadline, configText };
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof BackendOptionsError)) throw error;
    log.error(error.message);
    return null;
  }
}
