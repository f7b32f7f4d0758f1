// The program as a function: run(io) reads the request, asks the backends and writes the answer,
// returning the exit code. main.ts binds it to the real process; tests call it directly.
//
// Exit codes: 0 a response was written; 1 no backend had credentials (or an internal error);
// 2 bad usage, bad configuration or a bad request. stdout is written once, and only on exit 0.
import { createBackends } from "../backends/registry.ts";
import { BackendOptionsError, type Backend } from "../backends/types.ts";
import { parseArgs, USAGE, UsageError, type Options } from "./args.ts";
import { lookupChain } from "./chain.ts";
import { ConfigError, readConfigFile, resolveSettings, type Settings } from "./config.ts";
import { InvalidImageError, parseImage } from "./core/image.ts";
import { BadRequestError, formatResponse, parseRequest } from "./core/protocol.ts";
import { Log } from "./log.ts";
import { InputTooLargeError } from "./stdin.ts";
import { buildInfo, versionLine } from "./version.ts";

export { VERSION } from "./version.ts";

export interface Io {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** The whole request; throws InputTooLargeError past the cap. */
  readStdin(): string;
  stdout(text: string): void;
  stderr(text: string): void;
  pid: number;
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
  if (options.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (options.version) {
    io.stdout(options.buildInfo ? buildInfo() : versionLine());
    return 0;
  }

  log.debugEnabled = options.debug;
  let settings: Settings;
  let backends: Backend[];
  try {
    settings = resolveSettings(options, options.config === undefined ? undefined : readConfigFile(options.config));
    backends = createBackends(settings.backends, { env: io.env, debug: (m) => log.debug(m), warn: (m) => log.warn(m) });
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
    request = parseRequest(io.readStdin());
    const { serviceAccountToken, serviceAccountAnnotations } = request;
    target = { ...parseImage(request.image), serviceAccount: { serviceAccountToken, serviceAccountAnnotations } };
  } catch (error) {
    const reason =
      error instanceof InvalidImageError
        ? `invalid image reference: ${error.message}`
        : error instanceof BadRequestError || error instanceof InputTooLargeError
          ? error.message
          : null;
    if (reason === null) throw error;
    log.error(reason);
    log.syslog("err", `Rejected credential request: ${reason}`);
    return 2;
  }
  log.debug(`request ${request.apiVersion}: registry ${target.host}, repository ${target.path}`);

  const result = await lookupChain(backends, target, log);
  if (result.hit) {
    const { hit, backend } = result;
    io.stdout(
      formatResponse({
        apiVersion: request.apiVersion,
        cacheKeyType: hit.cacheKeyType,
        // The source's own, else ours; neither: left out, so the kubelet's defaultCacheDuration applies.
        cacheDuration: hit.cacheDuration ?? settings.defaultCacheDuration,
        auth: hit.auth,
      }),
    );
    const duration = hit.cacheDuration ?? settings.defaultCacheDuration ?? "the kubelet's defaultCacheDuration";
    log.debug(`answered with ${Object.keys(hit.auth).length} key(s) from backend ${backend.name}, cached by ${hit.cacheKeyType} for ${duration}`);
    log.syslog("info", `Credential request fulfilled for ${target.host} by ${hit.source}`);
    return 0;
  }

  log.syslog("err", `Failed to fulfill credential request for ${target.host}`);
  const tried = backends.map((b) => b.name).join(", ");
  if (settings.onMiss === "empty") {
    // An empty, uncached answer: the kubelet pulls without credentials and asks again next time.
    io.stdout(formatResponse({ apiVersion: request.apiVersion, cacheKeyType: "Registry", cacheDuration: "0s", auth: {} }));
    log.debug(`no credentials for ${target.host} (asked: ${tried}); answering with none`);
    return 0;
  }
  const broken = result.errors.length > 0 ? `; ${result.errors.length} backend error(s) above` : "";
  log.error(`${target.host} is an unknown source: no credentials for it (asked: ${tried}${broken})`);
  return 1;
}
