// The program as a function: run(io) reads the request, asks the backends and writes the answer,
// returning the exit code. main.ts binds it to the real process; tests call it directly.
//
// Exit codes: 0 a response was written; 1 no backend had credentials, the response could not be
// written (or an internal error); 2 bad usage, bad configuration or a bad request. stdout is
// written once, and only on exit 0.
import packageJson from "../package.json" with { type: "json" };
import { createBackends } from "../backends/registry.ts";
import { BackendOptionsError, type Backend } from "../backends/types.ts";
import { parseArgs, USAGE, UsageError, type Options } from "./args.ts";
import { lookupChain } from "./chain.ts";
import { ConfigError, readConfigFile, resolveSettings, type Settings } from "./config.ts";
import { Deadline } from "./core/deadline.ts";
import { durationMs } from "./core/duration.ts";
import { InvalidImageError, parseImage } from "./core/image.ts";
import { BadRequestError, formatResponse, parseRequest } from "./core/protocol.ts";
import { IDENT, Log } from "./log.ts";
import { InputError } from "./stdin.ts";

export const VERSION: string = packageJson.version;

export interface Io {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** The whole request, waiting at most until the deadline; throws InputError. */
  readStdin(deadline: Deadline): string;
  /** Writes the response; throws (with a `code`) when it cannot. */
  stdout(text: string): void;
  stderr(text: string): void;
  pid: number;
  /** Milliseconds since the run started (the deadline counts from there). */
  clock(): number;
}

export async function run(io: Io): Promise<number> {
  const log = new Log(io);
  let options: Options;
  try {
    options = parseArgs(io.argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log.error(`${error.message} (see --help)`);
    return 2;
  }
  if (options.help) return answer(io, log, USAGE);
  if (options.version) return answer(io, log, `${IDENT} version ${VERSION}\n`);

  log.debugEnabled = options.debug;
  let settings: Settings;
  let backends: Backend[];
  let deadline: Deadline;
  try {
    settings = resolveSettings(options, options.config === undefined ? undefined : readConfigFile(options.config));
    deadline = new Deadline(durationMs(settings.deadline), settings.deadline, () => io.clock());
    backends = createBackends(settings.backends, {
      env: io.env,
      deadline,
      debug: (m) => log.debug(m),
      warn: (m) => log.warn(m),
      passStderr: (line) => log.raw(`${line}\n`),
    });
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof BackendOptionsError)) throw error;
    log.error(error.message);
    return 2;
  }
  log.debugEnabled = settings.debug;
  log.syslogSocket = settings.syslogSocket;

  let request;
  let target;
  try {
    request = parseRequest(io.readStdin(deadline));
    const { serviceAccountToken, serviceAccountAnnotations } = request;
    target = { ...parseImage(request.image), serviceAccount: { serviceAccountToken, serviceAccountAnnotations } };
  } catch (error) {
    const reason =
      error instanceof InvalidImageError
        ? `invalid image reference: ${error.message}`
        : error instanceof BadRequestError || error instanceof InputError
          ? error.message
          : null;
    if (reason === null) throw error;
    log.error(reason);
    log.syslog("err", `Rejected credential request: ${reason}`);
    return 2;
  }
  log.debug(`request ${request.apiVersion}: registry ${target.host}, repository ${target.path}`);

  const result = await lookupChain(backends, target, log, deadline);
  if (result.hit) {
    const { hit, backend } = result;
    const response = formatResponse({
      apiVersion: request.apiVersion,
      cacheKeyType: hit.cacheKeyType,
      // The source's own, else ours; neither: left out, so the kubelet's defaultCacheDuration applies.
      cacheDuration: hit.cacheDuration ?? settings.defaultCacheDuration,
      auth: hit.auth,
    });
    if (answer(io, log, response) !== 0) {
      log.syslog("err", `Failed to fulfill credential request for ${target.host}`);
      return 1;
    }
    const duration = hit.cacheDuration ?? settings.defaultCacheDuration ?? "the kubelet's defaultCacheDuration";
    log.debug(`answered with ${Object.keys(hit.auth).length} key(s) from backend ${backend.name}, cached by ${hit.cacheKeyType} for ${duration}`);
    // Only now: the kubelet has its answer.
    log.syslog("info", `Credential request fulfilled for ${target.host} by ${hit.source}`);
    return 0;
  }

  log.syslog("err", `Failed to fulfill credential request for ${target.host}`);
  const tried = backends.map((b) => b.name).join(", ");
  if (settings.onMiss === "empty") {
    // An empty, uncached answer: the kubelet pulls without credentials and asks again next time.
    const empty = formatResponse({ apiVersion: request.apiVersion, cacheKeyType: "Registry", cacheDuration: "0s", auth: {} });
    if (answer(io, log, empty) !== 0) return 1;
    log.debug(`no credentials for ${target.host} (asked: ${tried}); answering with none`);
    return 0;
  }
  const broken = result.errors.length > 0 ? `; ${result.errors.length} backend error(s) above` : "";
  log.error(`${target.host} is an unknown source: no credentials for it (asked: ${tried}${broken})`);
  return 1;
}

/** Writes the one document of stdout: 0, or 1 with a message when it could not be written. */
function answer(io: Io, log: Log, text: string): 0 | 1 {
  try {
    io.stdout(text);
    return 0;
  } catch (error) {
    // Only our own words: the error's message could quote what we tried to write.
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.name : "unknown error");
    log.error(`could not write the response: ${code}`);
    return 1;
  }
}
