// `docker-config` backend: credentials that `docker login`, `podman login` or `skopeo login`
// already wrote, found where those tools find them and read as they read them.
//
// Sources, in order (defaultConfigFiles): DOCKER_AUTH_CONFIG; then containers/image's list
// (pkg/docker/config/config.go getAuthFilePaths, getPathToAuthWithOS): $REGISTRY_AUTH_FILE alone
// when it is set, else the runtime auth.json, ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json,
// $DOCKER_CONFIG/config.json (else ~/.docker/config.json) and ~/.dockercfg; then the kubelet's
// old paths. The first source with credentials for the image answers; sources are never merged,
// so what a node uses is always what one file says. Within one source, for the image's registry:
//   1. credHelpers[host] runs that helper, and its answer is final: "not found" is a miss for the
//      file, with no fallback to auths (docker/cli configfile.GetCredentialsStore).
//   2. Otherwise, when credsStore is set, the store answers for the registry, and the file's
//      plaintext auths entries of the registry are not used, even when the store has nothing
//      (docker/cli credentials/native_store.go Get overwrites the file's entry with the store's).
//   3. Otherwise every auths entry of the registry is returned, the registry key and all namespace
//      keys ("host/team"), so that one Registry-cached answer serves every image of the registry
//      and the kubelet picks the most specific key (keyring.go sorts keys in reverse order).
// Keys of a docker config file and helper names are not ours: messages name them by position.
import { readdirSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import * as v from "valibot";
import { DEFAULTS } from "../src/core/defaults.ts";
import { FileReadError, readOptionalFile } from "../src/core/files.ts";
import { DOCKER_HUB_HOSTS, DOCKER_HUB_SERVER_URL } from "../src/core/image.ts";
import { dockerConfigKey } from "../src/core/keys.ts";
import { keyringLookup } from "../src/core/keyring.ts";
import { isJsonObject } from "../src/core/json.ts";
import { describeField, jsonObject, parseJsonAs } from "../src/core/validation.ts";
import { askCredentialHelper, helperProblems, helperServerUrls, isValidHelperName } from "./support/credential-helper.ts";
import { pathPermissionProblems } from "./support/inspect.ts";
import { annotationOption, annotationScope } from "./support/annotation.ts";
import { absolutePath, cacheDurationOption, checkTimeout, parseOptions, timeoutOption } from "./support/options.ts";
import {
  BackendError,
  inspection,
  type Problem,
  type BackendContext,
  type BackendFactory,
  type Credential,
  type ImageTarget,
} from "./types.ts";

/** The options' fields (the whole options are checked with DockerConfigOptions). */
export const DockerConfigOptionFields = v.strictObject({
  files: v.optional(v.array(absolutePath)),
  /** A service-account annotation whose value names a subdirectory beside each of `files`. */
  annotation: annotationOption,
  cacheDuration: cacheDurationOption,
  helperTimeout: timeoutOption,
});
const DockerConfigOptions = v.pipe(DockerConfigOptionFields, v.check((options) => options.annotation === undefined || options.files !== undefined, 'sets "annotation" without "files" (the node-wide default files have no per-account copies)'));

// Go decodes JSON null into a field as "absent", so null is accepted wherever a value is optional.
const text = v.nullish(v.string());
// Unknown top-level keys (psFormat, currentContext, plugins, proxies, detachKeys, …) are allowed.
// `auths` is checked by checkAuths below.
const ConfigFileFields = jsonObject(
  v.object({
    auths: v.optional(v.unknown()),
    credHelpers: v.nullish(jsonObject(v.record(v.string(), v.string()))),
    credsStore: text,
  }),
);
type ConfigFile = Omit<v.InferOutput<typeof ConfigFileFields>, "auths"> & { auths?: Record<string, AuthEntry> | null };

/**
 * docker/cli types.AuthConfig; "email" (legacy) and "serveraddress" are read by nobody here, and
 * unknown fields are ignored as Go's decoder ignores them. null is "absent".
 */
type AuthEntry = { [F in (typeof AUTH_FIELDS)[number]]?: string | null } | null | undefined;
const AUTH_FIELDS = ["auth", "username", "password", "identitytoken", "registrytoken"] as const;
const AUTH_FIELD_SET: ReadonlySet<string> = new Set(AUTH_FIELDS);

/**
 * The auths map (at `field`; "" for a legacy file, where it is the document), checked with plain
 * loops: a file can hold thousands of entries (10,000 take 0.8 MB) and a schema library spends
 * milliseconds on them. The messages are those of the program's schemas (src/core/validation.ts):
 * a key from the file is named by its position, never its text.
 */
function checkAuths(value: unknown, field: string, fail: (problem: string) => Error): Record<string, AuthEntry> | null | undefined {
  if (value === undefined || value === null) return value;
  if (!isJsonObject(value)) throw fail(`${describeField(field)} must be a JSON object`);
  // Object.values and for-in over an entry's own fields (usually one, "auth"): in a run this cold,
  // five lookups per entry cost 2 ms for 10,000 entries, this under 1 ms. The message of a bad
  // entry is worked out afterwards, in the schema's field order.
  const entries = Object.values(value);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === null) continue;
    const at = `${field === "" ? "" : `${field}.`}<key ${i + 1}>`;
    if (!isJsonObject(entry)) throw fail(`${describeField(at)} must be a JSON object`);
    for (const name in entry) {
      const fieldValue = entry[name];
      if (typeof fieldValue !== "string" && fieldValue !== null && AUTH_FIELD_SET.has(name)) {
        const wrong = AUTH_FIELDS.find((known) => entry[known] !== undefined && entry[known] !== null && typeof entry[known] !== "string");
        throw fail(`${describeField(`${at}.${wrong}`)} must be a string`);
      }
    }
  }
  return value as Record<string, AuthEntry>;
}

/**
 * "config": config.json / auth.json ({"auths": {...}, "credHelpers": ..., "credsStore": ...}).
 * "legacy": ~/.dockercfg, the format before Docker 1.7: the auths map itself, at the top level.
 */
type Format = "config" | "legacy";

/** A file is read in the legacy format when it is named .dockercfg, as ~/.dockercfg is. */
export function fileFormat(path: string): Format {
  return basename(path) === ".dockercfg" ? "legacy" : "config";
}

/** What the default list needs to know about the account we run as; asked only when needed. */
export interface Account {
  /** The real user id (containers/image: os.Getuid()). */
  uid(): number;
  /** The home directory in the password database, or null when there is none. */
  home(): string | null;
}

const PROCESS_ACCOUNT: Account = {
  uid: () => process.getuid?.() ?? 0,
  home: () => {
    try {
      return userInfo().homedir || null;
    } catch {
      return null; // no entry for our uid
    }
  },
};

/** The kubelet's old keyring search path (credentialprovider/config.go): its root directory and "/.docker". */
const KUBELET_FILES = ["/var/lib/kubelet/config.json", "/.docker/config.json"];

/**
 * The files read when the `files` option is absent, in order. Variables come only from `env`;
 * an unset or empty variable counts as unset (Go's os.Getenv(x) != "" tests). `account` is asked
 * for the uid only when XDG_RUNTIME_DIR is unset, and for the home directory only when HOME is.
 */
export function defaultConfigFiles(env: Readonly<Record<string, string | undefined>>, account: Account = PROCESS_ACCOUNT): string[] {
  const get = (name: string) => (env[name] === "" ? undefined : env[name]);
  // docker/cli config.getHomeDir and containers/storage homedir.Get (via unshare.HomeDir): $HOME,
  // else the password database's entry for our uid.
  let home: string | null | undefined = get("HOME");
  const homeDir = (): string | null => {
    if (home === undefined) home = account.home();
    return home;
  };
  const underHome = (...parts: string[]) => {
    const dir = homeDir();
    return dir === null ? undefined : join(dir, ...parts);
  };
  const registryAuthFile = get("REGISTRY_AUTH_FILE");
  const xdgRuntimeDir = get("XDG_RUNTIME_DIR");
  const xdgConfigHome = get("XDG_CONFIG_HOME");
  const dockerConfig = get("DOCKER_CONFIG");
  // containers/image getAuthFilePaths: a path the user gave (REGISTRY_AUTH_FILE, through podman's
  // and skopeo's --authfile default) is the only one it reads (since v5.24, commit b3748aab).
  const containersFiles: (string | undefined)[] =
    registryAuthFile !== undefined
      ? [registryAuthFile]
      : [
          // getPathToAuthWithOS: $XDG_RUNTIME_DIR/containers/auth.json, else
          // /run/containers/<uid>/auth.json (where podman login and skopeo login write as root).
          xdgRuntimeDir !== undefined
            ? join(xdgRuntimeDir, "containers", "auth.json")
            : `/run/containers/${account.uid()}/auth.json`,
          xdgConfigHome !== undefined ? join(xdgConfigHome, "containers", "auth.json") : underHome(".config", "containers", "auth.json"),
          // docker/cli config.Dir(): $DOCKER_CONFIG, else ~/.docker
          dockerConfig !== undefined ? join(dockerConfig, "config.json") : underHome(".docker", "config.json"),
          // the legacy file, read with legacyFormat: true
          underHome(".dockercfg"),
        ];
  const files = [...containersFiles, ...KUBELET_FILES];
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
  /** The file's real path (the label hides an annotation's value); undefined for DOCKER_AUTH_CONFIG. */
  path?: string;
  format: Format;
  /** The text, or null when the file does not exist. Throws BackendError when unreadable. */
  read(): string | null;
}

export const createDockerConfigBackend: BackendFactory = (options, context) => {
  const parsedOptions = parseOptions(DockerConfigOptions, options);
  const { cacheDuration, helperTimeout } = parsedOptions;
  checkTimeout("helperTimeout", helperTimeout, context.deadline);

  // Built for each lookup, not here: the default list may need the password database (no HOME),
  // which is read only when this backend is asked.
  const sources = (scope: string | undefined): Source[] => {
    const list: Source[] = [];
    const inline = context.env.DOCKER_AUTH_CONFIG;
    // DOCKER_AUTH_CONFIG is node-wide: a backend scoped by annotation reads only its own files.
    if (scope === undefined && inline !== undefined && inline !== "") list.push({ label: "DOCKER_AUTH_CONFIG", format: "config", read: () => inline });
    for (const file of parsedOptions.files ?? defaultFiles(context)) {
      // With an annotation, "<dir>/<value>/<name>" for each file "<dir>/<name>"; the value is a DNS
      // label (annotationScope checks it) and messages show the annotation's key, not its value.
      const path = scope === undefined ? file : join(dirname(file), scope, basename(file));
      const label = scope === undefined ? file : join(dirname(file), `<${parsedOptions.annotation}>`, basename(file));
      list.push({ label, path, format: fileFormat(file), read: () => readConfigFile(path, label) });
    }
    context.debug(`sources in order: ${list.map((source, i) => `${i + 1}. ${source.label}`).join(", ")}`);
    return list;
  };

  return {
    async lookup(target) {
      const scope = annotationScope(parsedOptions.annotation, target, context);
      if (scope === null) return null;
      const broken: string[] = [];
      // Set once a source holds keys of the registry that the kubelet would not use for this image.
      let partial: string | undefined;
      for (const source of sources(scope)) {
        try {
          const content = source.read();
          if (content === null) {
            context.debug(`${source.label} not found`);
            continue;
          }
          context.debug(`reading ${source.label}`);
          const config = parseConfig(source, content);
          const answer = await answerFromConfig(config, source, target, context, helperTimeout);
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

    async inspect() {
      // Every source as a lookup would read it (scoped copies: each subdirectory beside the files).
      const problems: Problem[] = [];
      const registries = new Set<string>();
      let unknown = false;
      const scopes: (string | undefined)[] = parsedOptions.annotation === undefined ? [undefined] : annotationDirectories(parsedOptions.files ?? []);
      for (const scope of scopes) {
        for (const source of sources(scope)) {
          let config: ConfigFile;
          try {
            const content = source.read();
            if (content === null) continue;
            config = parseConfig(source, content);
          } catch (error) {
            problems.push({ severity: "error", message: (error as Error).message });
            continue;
          }
          if (source.path !== undefined) problems.push(...pathPermissionProblems(source.path));
          for (const key of [...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})]) {
            const parsed = dockerConfigKey(key);
            if (parsed !== null) registries.add(parsed.registry + parsed.path);
          }
          // A credential store can hold any registry: what it answers for cannot be told.
          if (config.credsStore) unknown = true;
          const helpers: [string, string][] = Object.values(config.credHelpers ?? {}).map((helper, i) => [helper, `credHelpers entry ${i + 1}`]);
          if (config.credsStore) helpers.push([config.credsStore, "credsStore"]);
          for (const [helper, where] of helpers) {
            if (!isValidHelperName(helper)) {
              problems.push({ severity: "error", message: `${source.label}: ${where} is not a helper name` });
            } else {
              // The helper's name comes from the file: messages say where it is named instead.
              problems.push(...helperProblems(helper, context.childEnv.PATH, `${source.label}: ${where}`, false));
            }
          }
        }
      }
      const variables = context.env.DOCKER_AUTH_CONFIG ? ["DOCKER_AUTH_CONFIG"] : [];
      return inspection({ registries: unknown ? "unknown" : [...registries].sort(), problems, credentialVariables: variables });
    },
  };
};

/** The annotation subdirectories beside the configured files: every scope a pod may pick. */
function annotationDirectories(files: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const file of files) {
    try {
      for (const entry of readdirSync(dirname(file), { withFileTypes: true })) if (entry.isDirectory()) scopes.add(entry.name);
    } catch {
      // No directory: nothing to inspect.
    }
  }
  return [...scopes].sort();
}

/** The default list, saying under --debug what decided it. */
function defaultFiles(context: BackendContext): string[] {
  const { env } = context;
  if (env.REGISTRY_AUTH_FILE) {
    context.debug("REGISTRY_AUTH_FILE is set: the other containers and Docker files are not read");
  }
  return defaultConfigFiles(env, {
    uid: PROCESS_ACCOUNT.uid,
    home: () => {
      const home = PROCESS_ACCOUNT.home();
      context.debug(
        home === null
          ? "HOME is unset and the password database has no home directory for our user: no files under ~"
          : `HOME is unset: ~ is ${home}, our user's home directory in the password database`,
      );
      return home;
    },
  });
}

function readConfigFile(path: string, shown: string): string | null {
  try {
    return readOptionalFile(path, DEFAULTS.fileLimits.dockerConfig, shown);
  } catch (error) {
    if (error instanceof FileReadError) throw new BackendError(error.message);
    throw error;
  }
}

function parseConfig(source: Source, content: string): ConfigFile {
  // docker/cli LoadFromReader accepts an empty file (io.EOF) as an empty configuration.
  if (content.trim() === "") return {};
  const fail = (problem: string) => new BackendError(`${source.label}: ${problem}`);
  if (source.format === "legacy") return { auths: checkAuths(parseJsonAs(v.unknown(), content, fail), "", fail) };
  const config = parseJsonAs(ConfigFileFields, content, fail, { external: true });
  return { ...config, auths: checkAuths(config.auths, "auths", fail) };
}

interface Answer {
  auth: Record<string, Credential>;
  /** The helper that answered it, by where the file names it ("credsStore"), for the hit's source. */
  via: string | null;
}

async function answerFromConfig(
  config: ConfigFile,
  source: Source,
  target: ImageTarget,
  context: BackendContext,
  timeout: string,
): Promise<Answer | null> {
  const { label } = source;
  const legacy = source.format === "legacy";
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
  const auths = config.auths ?? {};
  const keys = Object.keys(auths); // a plain loop: a file can hold thousands of entries
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    if (!key.toLowerCase().includes(registry)) continue; // cannot name it: skip the parse
    const entry = auths[key] as AuthEntry;
    const normalized = dockerConfigKey(key);
    if (normalized?.registry !== registry) continue;
    // containers/image normalizeAuthFileKey: a legacy key is a registry, its path is dropped.
    entries.push({ key, entry, path: legacy ? "" : normalized.path, position: index + 1 });
  }
  const describe = (position: number) => `${label}: ${legacy ? "entry" : "auths entry"} ${position}`;

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
