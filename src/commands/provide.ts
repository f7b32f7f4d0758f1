// The kubelet plugin: reads the request, asks the backends and writes the answer.
//
// Exit codes: 0 a response was written; 1 no backend had credentials, or the response could not
// be written; 2 a bad request. stdout is written once, and only on exit 0.
import { needsServiceAccountIdentity } from "../../backends/registry.ts";
import { lookupChain } from "../chain.ts";
import { InvalidImageError, parseImage } from "../core/image.ts";
import { BadRequestError, formatResponse, parseRequest } from "../core/protocol.ts";
import { InvalidTokenError, serviceAccountOf } from "../core/service-account.ts";
import { answer, type Io } from "../io.ts";
import type { Log } from "../log.ts";
import type { Prepared } from "../setup.ts";
import { InputError } from "../stdin.ts";

export async function provide(io: Io, log: Log, { settings, backends, deadline }: Prepared): Promise<number> {
  let request;
  let target;
  try {
    request = parseRequest(io.readStdin(deadline));
    const { serviceAccountToken, serviceAccountAnnotations } = request;
    // The token is decoded only when a backend needs to know who the pod runs as; otherwise it
    // is passed on untouched (to exec providers) and never inspected.
    const identity =
      serviceAccountToken && needsServiceAccountIdentity(settings.backends) ? serviceAccountOf(serviceAccountToken) : undefined;
    target = { ...parseImage(request.image), serviceAccount: { serviceAccountToken, serviceAccountAnnotations, identity } };
  } catch (error) {
    const reason =
      error instanceof InvalidImageError
        ? `invalid image reference: ${error.message}`
        : error instanceof InvalidTokenError
          ? `request field "serviceAccountToken" ${error.message}`
          : error instanceof BadRequestError || error instanceof InputError
            ? error.message
            : null;
    if (reason === null) throw error;
    log.error(reason);
    log.syslog("err", `Rejected credential request: ${reason}`);
    return 2;
  }
  const { identity } = target.serviceAccount;
  log.debug(
    `request ${request.apiVersion}: registry ${target.host}, repository ${target.path}` +
      (identity ? `, service account ${identity.namespace}/${identity.name}` : ""),
  );

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
  // "unknown source" (the seed script's words) is for a real miss; a broken source is another story.
  if (result.errors.length > 0) {
    log.error(`no credentials for ${target.host}: ${result.errors.length} backend(s) failed (see above; asked: ${tried})`);
  } else {
    log.error(`${target.host} is an unknown source: no credentials for it (asked: ${tried})`);
  }
  return 1;
}
