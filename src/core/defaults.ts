// Every default value of the program, in one place. The usage text (src/args.ts), the config
// schema (src/config.ts) and the backends read them here; test/defaults.test.ts checks that the
// README's tables say the same.

export const DEFAULTS = {
  /** The chain when neither --backends nor a config file names one. */
  chain: ["file", "env", "docker-config"],
  /** `file` backend: the credential directory (the seed script's README; its code said ".../registries/"). */
  credroot: "/etc/kubernetes/registry",
  /**
   * cacheDuration of an answer whose source sets none. None: the field is left out and the
   * kubelet caches for the defaultCacheDuration of its provider config (a required field there).
   */
  cacheDuration: undefined,
  onMiss: "error",
  /** The audience operators give the kubelet for service-account tokens (kubelet-config emits it). */
  serviceAccountTokenAudience: "generic-credential-provider",
  /** kubelet-config and install: the provider's name, the file name of its executable in the kubelet's bin dir. */
  providerName: "generic-credential-provider",
  /** kubelet-config: the protocol version the kubelet is told to speak with us (tokenAttributes need v1). */
  providerApiVersion: "credentialprovider.kubelet.k8s.io/v1",
  /** kubelet-config: the provider config's defaultCacheDuration (required there) when we have no defaultCacheDuration of our own. */
  kubeletDefaultCacheDuration: "5m",
  /**
   * kubelet-config: how many labels below a domain-suffix name ("example.org.json") the derived
   * matchImages reach: "example.org", "*.example.org", "*.*.example.org", "*.*.*.example.org".
   */
  matchImagesSuffixDepth: 3,
  /** install: where the kubelet's files go (each taken under --root). */
  install: {
    /** --image-credential-provider-bin-dir */
    binDir: "/usr/local/bin/image-credential-provider",
    /** --image-credential-provider-config */
    providerConfig: "/etc/kubernetes/image-credential-provider-config.json",
    /** Where a --config file is installed, as <dir>/<provider name>.json; the provider's args name it there. */
    configDir: "/etc/kubernetes",
  },
  /** The whole run's time limit: below the kubelet's 60 s, so that we answer or fail before it kills us. */
  deadline: "50s",
  syslogSocket: "/dev/log",
  /** `env` backend: the variables' prefix. */
  envPrefix: "CREDENTIAL_PROVIDER_",
  /** Time limit of one child process: a credential helper or an `exec` provider. */
  childTimeout: "10s",
  /** `exec` backend: the version its provider is asked in. */
  execApiVersion: "credentialprovider.kubelet.k8s.io/v1",
  /** `exec` backend: the most its provider may print on stdout. */
  execMaxOutputBytes: 1024 * 1024,
  /** `exec` backend: the most of its provider's stderr that is passed on. */
  execMaxStderrBytes: 64 * 1024,
  /** The most a credential helper may print on stdout. */
  helperMaxOutputBytes: 64 * 1024,
  /** `sync`: how often the node directory is made to match the Secret even without a change event. */
  syncInterval: "1m",
  /** The most a request on stdin may hold: a request is a few hundred bytes. */
  stdinMaxBytes: 1024 * 1024,
  /** The largest file of each kind that is read (a bigger one is an error naming the limit). */
  fileLimits: {
    /** `file` backend: a credential file holds three short fields. */
    credentialFile: { bytes: 1024 * 1024, kind: "credential files" },
    /** `docker-config` backend: a config.json with 10,000 registries is about 0.8 MB. */
    dockerConfig: { bytes: 16 * 1024 * 1024, kind: "Docker config files" },
    /** --config */
    configFile: { bytes: 1024 * 1024, kind: "config files" },
  },
} as const;
