// `docker-config` backend: credentials that `docker login` / `podman login` already wrote, read from
// DOCKER_AUTH_CONFIG and then Docker config.json / containers auth.json files.
//
// The first source with credentials for the registry answers; sources are never merged, so what a
// node uses is always what one file says. Within one source, for the image's registry:
//   1. credHelpers[host] runs that helper, and its answer is final: "not found" is a miss for the
//      file, with no fallback to auths (docker/cli configfile.GetCredentialsStore).
//   2. Otherwise, when credsStore is set, the store answers for the registry, and the file's
//      plaintext auths entries of the registry are not used, even when the store has nothing
//      (docker/cli credentials/native_store.go Get overwrites the file's entry with the store's).
//   3. Otherwise every auths entry of the registry is returned, the registry key and all namespace
//      keys ("host/team"), so that one Registry-cached answer serves every image of the registry
//      and the kubelet picks the most specific key (keyring.go sorts keys in reverse order).
// Keys of a docker config file and helper names are not ours: messages name them by position.
import { isAbsolute, join } from "node:path";
import * as v from "valibot";
import { FileReadError, readOptionalFile } from "../src/core/files.ts";
import { DOCKER_HUB_HOSTS, DOCKER_HUB_SERVER_URL } from "../src/core/image.ts";
import { dockerConfigKey } from "../src/core/keys.ts";
import { keyringLookup } from "../src/core/keyring.ts";
import { jsonObject, parseJsonAs } from "../src/core/validation.ts";
import { askCredentialHelper, helperServerUrls } from "./support/credential-helper.ts";
import { cacheDurationOption, parseOptions, timeoutOption } from "./support/options.ts";
import {
  BackendError,
  type BackendContext,
  type BackendFactory,
  type Credential,
  type ImageTarget,
} from "./types.ts";

const DockerConfigOptions = v.strictObject({
  files: v.optional(
    v.array(v.pipe(v.string(), v.check((path) => isAbsolute(path), "must hold absolute paths"))),
  ),
  cacheDuration: cacheDurationOption,
  helperTimeout: timeoutOption,
});

// Go decodes JSON null into a field as "absent", so null is accepted wherever a value is optional.
const text = v.nullish(v.string());
// docker/cli types.AuthConfig; "email" (legacy) and "serveraddress" are read by nobody here, and
// unknown fields are ignored as Go's decoder ignores them.
const AuthEntry = v.nullish(
  jsonObject(v.object({ auth: text, username: text, password: text, identitytoken: text, registrytoken: text })),
);
// Unknown top-level keys (psFormat, currentContext, plugins, proxies, detachKeys, …) are allowed.
const ConfigFile = jsonObject(
  v.object({
    auths: v.nullish(jsonObject(v.record(v.string(), AuthEntry))),
    credHelpers: v.nullish(jsonObject(v.record(v.string(), v.string()))),
    credsStore: text,
  }),
);
type ConfigFile = v.InferOutput<typeof ConfigFile>;
type AuthEntry = v.InferOutput<typeof AuthEntry>;

/**
 * The files read when the `files` option is absent, in order. Variables come only from `env`;
 * an unset or empty variable drops its entry (Go's os.Getenv(x) != "" tests).
 */
export function defaultConfigFiles(env: Readonly<Record<string, string | undefined>>): string[] {
  const get = (name: string) => (env[name] === "" ? undefined : env[name]);
  const home = get("HOME");
  const files: (string | undefined)[] = [
    get("REGISTRY_AUTH_FILE"),
    // docker/cli config.Dir(): $DOCKER_CONFIG, else ~/.docker
    get("DOCKER_CONFIG") !== undefined
      ? join(get("DOCKER_CONFIG") as string, "config.json")
      : home !== undefined
        ? join(home, ".docker", "config.json")
        : undefined,
    // containers/image pkg/docker/config: ${XDG_RUNTIME_DIR}/containers/auth.json, then
    // ${XDG_CONFIG_HOME:-$HOME/.config}/containers/auth.json
    get("XDG_RUNTIME_DIR") !== undefined ? join(get("XDG_RUNTIME_DIR") as string, "containers", "auth.json") : undefined,
    get("XDG_CONFIG_HOME") !== undefined
      ? join(get("XDG_CONFIG_HOME") as string, "containers", "auth.json")
      : home !== undefined
        ? join(home, ".config", "containers", "auth.json")
        : undefined,
    // The kubelet's old keyring search path (credentialprovider/config.go): its root directory
    // and "/.docker".
    "/var/lib/kubelet/config.json",
    "/.docker/config.json",
  ];
  return [...new Set(files.filter((file): file is string => file !== undefined))];
}

type EntryCredential = { kind: "credential"; credential: Credential } | { kind: "token" } | { kind: "empty" };

/** What one auths entry holds. Throws (without the value) when `auth` cannot be decoded. */
function entryCredential(entry: AuthEntry, describe: string): EntryCredential {
  let credential: Credential | null = null;
  if (entry?.auth) {
    // docker/cli configfile decodeAuth: base64 of "user:password", split at the first colon.
    // Padding is optional here (hand-written entries often lack it).
    const encoded = entry.auth;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.replace(/=+$/, "").length % 4 === 1) {
      throw new BackendError(`${describe}: "auth" is not valid base64`);
    }
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) throw new BackendError(`${describe}: "auth" does not decode to user:password`);
    // strings.Trim(password, "\x00"): NULs at both ends of the password go, as in docker/cli
    // (cli/config/configfile/file.go decodeAuth) and containers/image (pkg/docker/config/config.go
    // decodeDockerAuth).
    credential = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, "") };
  } else if (entry?.username || entry?.password) {
    credential = { username: entry.username ?? "", password: entry.password ?? "" };
  }
  // docker login against a token-issuing registry writes auth "user:" beside an identitytoken:
  // without the token that user has no password, so it is a token entry.
  const hasToken = Boolean(entry?.identitytoken || entry?.registrytoken);
  if (credential && (credential.password !== "" || !hasToken)) return { kind: "credential", credential };
  return hasToken ? { kind: "token" } : { kind: "empty" };
}

interface Source {
  /** "DOCKER_AUTH_CONFIG" or the file's path: named in logs, never its content. */
  label: string;
  /** The text, or null when the file does not exist. Throws BackendError when unreadable. */
  read(): string | null;
}

export const createDockerConfigBackend: BackendFactory = (options, context) => {
  const parsedOptions = parseOptions(DockerConfigOptions, options);
  const { cacheDuration, helperTimeout } = parsedOptions;
  const files = parsedOptions.files ?? defaultConfigFiles(context.env);

  const sources = (): Source[] => {
    const list: Source[] = [];
    const inline = context.env.DOCKER_AUTH_CONFIG;
    if (inline !== undefined && inline !== "") list.push({ label: "DOCKER_AUTH_CONFIG", read: () => inline });
    for (const path of files) list.push({ label: path, read: () => readConfigFile(path) });
    return list;
  };

  return {
    async lookup(target) {
      const broken: string[] = [];
      // Set once a source holds keys of the registry that the kubelet would not use for this image.
      let partial: string | undefined;
      for (const source of sources()) {
        try {
          const content = source.read();
          if (content === null) {
            context.debug(`${source.label} not found`);
            continue;
          }
          context.debug(`reading ${source.label}`);
          const config = parseConfig(source.label, content);
          const answer = await answerFromConfig(config, target, source.label, context, helperTimeout);
          if (answer === null) {
            context.debug(`${source.label} has no credentials for ${target.host}`);
            continue;
          }
          if (keyringLookup(Object.keys(answer.auth), target.image).length === 0) {
            // Namespace keys of other repositories only: the next source is asked for this image,
            // and whatever answers is not the answer for the whole registry.
            context.debug(`${source.label} has credentials only for other repositories of ${target.host}`);
            partial ??= `${source.label} holds credentials for only part of ${target.host}`;
            continue;
          }
          const via = answer.via === null ? "" : ` (${answer.via})`;
          return { auth: answer.auth, source: `${source.label}${via}`, cacheDuration, partial };
        } catch (error) {
          if (!(error instanceof BackendError)) throw error;
          // A broken source does not hide the next one; it is reported and skipped.
          context.warn(error.message);
          broken.push(source.label);
        }
      }
      // Broken sources were reported one by one above; a partial miss still has to reach the chain.
      if (partial !== undefined) return { partial };
      if (broken.length > 0) {
        throw new BackendError(`no credentials for ${target.host}, and broken sources were skipped: ${broken.join(", ")}`);
      }
      return null;
    },
  };
};

function readConfigFile(path: string): string | null {
  try {
    return readOptionalFile(path);
  } catch (error) {
    if (error instanceof FileReadError) throw new BackendError(error.message);
    throw error;
  }
}

function parseConfig(label: string, content: string): ConfigFile {
  // docker/cli LoadFromReader accepts an empty file (io.EOF) as an empty configuration.
  if (content.trim() === "") return {};
  return parseJsonAs(ConfigFile, content, (problem) => new BackendError(`${label}: ${problem}`), { external: true });
}

interface Answer {
  auth: Record<string, Credential>;
  /** The helper that answered it, by where the file names it ("credsStore"), for the hit's source. */
  via: string | null;
}

async function answerFromConfig(
  config: ConfigFile,
  target: ImageTarget,
  label: string,
  context: BackendContext,
  timeout: string,
): Promise<Answer | null> {
  const isHub = DOCKER_HUB_HOSTS.has(target.lookupHost);
  const registry = isHub ? "docker.io" : target.lookupHost;
  // Keys as the kubelet matches them: the image's own host spelling, Docker Hub aliases included
  // (the keyring matches "docker.io" to no "registry-1.docker.io/…" image, and the other way round).
  const keyHost = target.host;

  // A helper named by the file: its name is not ours to print, so messages say where it was named.
  // Docker Hub is asked under docker's key, then under containers' (helperServerUrls).
  const askHelper = async (helper: string, where: string): Promise<Answer | null> => {
    for (const serverUrl of helperServerUrls(target)) {
      const credential = await askCredentialHelper(helper, serverUrl, {
        env: context.env,
        timeout,
        context,
        describe: `${label}: ${where}`,
        label: "helper",
      });
      if (credential !== null) return { auth: { [keyHost]: credential }, via: where };
    }
    return null;
  };

  // 1. credHelpers for this registry beat everything else in the file.
  const helperEntries = Object.entries(config.credHelpers ?? {});
  const helperIndex = helperEntries.findIndex(([key, helper]) => {
    const normalized = dockerConfigKey(key);
    return normalized?.registry === registry && normalized.path === "" && helper !== "";
  });
  const helperEntry = helperEntries[helperIndex];
  if (helperEntry !== undefined) return askHelper(helperEntry[1], `credHelpers entry ${helperIndex + 1}`);

  // The auths entries of the registry, with their positions in the file (messages name them so).
  const entries: { key: string; entry: AuthEntry; path: string; position: number }[] = [];
  for (const [index, [key, entry]] of Object.entries(config.auths ?? {}).entries()) {
    const normalized = dockerConfigKey(key);
    if (normalized?.registry !== registry) continue;
    entries.push({ key, entry, path: normalized.path, position: index + 1 });
  }
  const describe = (position: number) => `${label}: auths entry ${position}`;

  // 2. credsStore: the store answers for the registry; the file's own entries are not used.
  if (config.credsStore) {
    const ignored = entries.filter(({ entry }) => entry && Object.values(entry).some((value) => value));
    if (ignored.length > 0) {
      const positions = ignored.map(({ position }) => position).join(", ");
      context.debug(
        `${label}: credsStore is set, so the store answers for ${target.host} and ` +
          `auths ${ignored.length === 1 ? `entry ${positions} is` : `entries ${positions} are`} not used, as in docker`,
      );
    }
    return askHelper(config.credsStore, "credsStore");
  }

  // 3. Every auths entry of the registry, grouped by namespace path. Within a group the key
  //    written exactly as the registry ("registry.example.org", or Docker's own Hub key) comes
  //    first, then the others in file order (docker/cli fileStore.Get: exact key, then any key
  //    whose hostname matches).
  const groups = new Map<string, { entry: AuthEntry; position: number; exact: boolean }[]>();
  for (const { key, entry, path, position } of entries) {
    const exact = isHub
      ? key === DOCKER_HUB_SERVER_URL || key === `docker.io${path}`
      : key.toLowerCase() === `${registry}${path}`;
    const group = groups.get(path) ?? [];
    group.push({ entry, position, exact });
    groups.set(path, group);
  }
  const auth: Record<string, Credential> = {};
  for (const [path, group] of groups) {
    group.sort((a, b) => Number(b.exact) - Number(a.exact));
    for (const { entry, position } of group) {
      const found = entryCredential(entry, describe(position));
      if (found.kind === "token") {
        context.warn(`${describe(position)} holds only an identity or registry token, which the kubelet cannot use; skipped`);
      }
      if (found.kind === "credential") {
        auth[`${keyHost}${path}`] = found.credential;
        break;
      }
    }
  }
  return Object.keys(auth).length === 0 ? null : { auth, via: null };
}
