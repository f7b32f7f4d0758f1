// `explain IMAGE`: runs the configured chain for one image as the kubelet would ask for it, and
// says what happened and what the kubelet will do with the answer: each backend and what it looked
// at (its --debug lines, which never hold a credential), which one answered, the auth keys and
// whether the kubelet's keyring uses each for the image, the cache key type and duration and why.
// Passwords are never shown, only their length.
import type { Invocation } from "../args.ts";
import { lookupChain } from "../chain.ts";
import { InvalidImageError, parseImage } from "../core/image.ts";
import { keyringLookup } from "../core/keyring.ts";
import { answer, type Io } from "../io.ts";
import type { Log } from "../log.ts";
import type { Prepared } from "../setup.ts";
import { isDnsLabel } from "../core/service-account.ts";

/** The --json report (README, "explain"). */
export interface ExplainReport {
  image: { given: string; asTheKubeletSendsIt: string; registry: string; repository: string };
  serviceAccount: { namespace: string; name: string; annotations: Record<string, string> } | null;
  backends: { name: string; outcome: string; detail: string | null; steps: string[] }[];
  answer: {
    backend: string;
    source: string;
    keys: { key: string; username: string; passwordLength: number; usedForImage: boolean }[];
    cacheKeyType: string;
    cacheKeyTypeReason: string;
    cacheDuration: string | null;
    cacheDurationFrom: string;
  } | null;
  warnings: string[];
  /** Whether the kubelet gets credentials it uses for the image. */
  pullsWithCredentials: boolean;
}

export async function explain(io: Io, log: Log, prepared: Prepared, { positionals, options }: Invocation): Promise<number> {
  const { settings, backends, deadline } = prepared;
  const given = positionals[0] as string;
  let image;
  try {
    image = parseImage(given);
  } catch (error) {
    if (!(error instanceof InvalidImageError)) throw error;
    log.error(`invalid image reference: ${error.message}`);
    return 2;
  }
  const serviceAccount = parseServiceAccount(options.serviceAccount, options.annotations ?? [], log);
  if (serviceAccount === "invalid") return 2;

  // Every debug line and warning, grouped by the backend that wrote it ("<name>: …").
  const lines: { kind: "debug" | "warning"; message: string }[] = [];
  log.listener = (kind, message) => lines.push({ kind, message });
  log.syslogSocket = null; // an explanation is not a credential request
  const result = await lookupChain(
    backends,
    {
      ...image,
      serviceAccount: serviceAccount === null ? {} : { serviceAccountAnnotations: serviceAccount.annotations, identity: { ...serviceAccount, uid: "" } },
    },
    log,
    deadline,
  );
  log.listener = null;

  const report: ExplainReport = {
    image: { given, asTheKubeletSendsIt: image.image, registry: image.host, repository: image.path },
    serviceAccount,
    backends: result.steps.map((step) => ({
      name: step.backend,
      outcome: step.outcome,
      detail: step.detail ?? null,
      steps: lines.filter((line) => line.kind === "debug" && line.message.startsWith(`${step.backend}: `)).map((line) => line.message.slice(step.backend.length + 2)),
    })),
    answer: null,
    warnings: lines.filter((line) => line.kind === "warning").map((line) => line.message),
    pullsWithCredentials: false,
  };
  if (result.hit !== null) {
    const { hit } = result;
    const used = keyringLookup(Object.keys(hit.auth), image.image);
    const duration = hit.cacheDuration ?? settings.defaultCacheDuration ?? null;
    report.answer = {
      backend: result.backend.name,
      source: hit.source,
      keys: Object.entries(hit.auth).map(([key, credential]) => ({
        key,
        username: credential.username,
        passwordLength: credential.password.length,
        usedForImage: used.includes(key),
      })),
      cacheKeyType: hit.cacheKeyType,
      cacheKeyTypeReason:
        result.scopeReason === null
          ? `the answer covers all of ${image.host}, and no backend before it holds or is limited to part of it`
          : `only for this image: ${result.scopeReason}`,
      cacheDuration: duration,
      cacheDurationFrom:
        hit.cacheDuration !== undefined
          ? "the answering source"
          : settings.defaultCacheDuration !== undefined
            ? "--cache-duration / defaultCacheDuration"
            : "left out: the kubelet's defaultCacheDuration (its provider configuration) applies",
    };
    report.pullsWithCredentials = used.length > 0;
  }
  const printed = answer(io, log, options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (printed !== 0) return 1;
  return report.pullsWithCredentials ? 0 : 1;
}

function parseServiceAccount(
  account: string | undefined,
  annotations: string[],
  log: Log,
): { namespace: string; name: string; annotations: Record<string, string> } | null | "invalid" {
  if (account === undefined) {
    if (annotations.length > 0) {
      log.error("--annotation needs --service-account (annotations belong to a service account)");
      return "invalid";
    }
    return null;
  }
  const [namespace = "", name = "", ...rest] = account.split("/");
  if (rest.length > 0 || !isDnsLabel(namespace) || name === "") {
    log.error("--service-account must be NAMESPACE/NAME");
    return "invalid";
  }
  const parsed: Record<string, string> = {};
  for (const annotation of annotations) {
    const eq = annotation.indexOf("=");
    if (eq <= 0) {
      log.error("--annotation must be KEY=VALUE");
      return "invalid";
    }
    parsed[annotation.slice(0, eq)] = annotation.slice(eq + 1);
  }
  return { namespace, name, annotations: parsed };
}

function formatReport(report: ExplainReport): string {
  const out: string[] = [];
  const { image } = report;
  out.push(`image ${image.given}`);
  out.push(`  the kubelet asks for ${image.asTheKubeletSendsIt}: registry ${image.registry}, repository ${image.repository}`);
  if (report.serviceAccount) out.push(`  as service account ${report.serviceAccount.namespace}/${report.serviceAccount.name}`);
  out.push("", "backends, in order:");
  report.backends.forEach((backend, i) => {
    out.push(`  ${i + 1}. ${backend.name}: ${backend.outcome}${backend.detail ? ` (${backend.detail})` : ""}`);
    for (const step of backend.steps) out.push(`       ${step}`);
  });
  out.push("");
  if (report.answer === null) {
    out.push("answer: none. The kubelet pulls without credentials (a private image then fails).");
  } else {
    const a = report.answer;
    out.push(`answer: from ${a.source}`);
    for (const key of a.keys) {
      out.push(`  ${key.key}: user ${JSON.stringify(key.username)}, password of ${key.passwordLength} characters (not shown)${key.usedForImage ? "; the kubelet uses it for this image" : "; not used for this image"}`);
    }
    out.push(`  cacheKeyType ${a.cacheKeyType}: ${a.cacheKeyTypeReason}`);
    out.push(`  cacheDuration ${a.cacheDuration ?? "(none)"}: ${a.cacheDurationFrom}`);
  }
  if (report.warnings.length > 0) {
    out.push("", "warnings:");
    for (const warning of report.warnings) out.push(`  ${warning}`);
  }
  out.push("", report.pullsWithCredentials ? "result: the kubelet pulls with these credentials." : "result: no credentials for this image.");
  return `${out.join("\n")}\n`;
}
